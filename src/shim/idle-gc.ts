// A full collection once the shim has gone quiet after work. V8 grows its heap while execs come and go and
// only gives pages back after a major GC; an idle shim (most of its life) should hold only what it needs.
// The daemon runs with --expose-gc for this; without it (tests, other flags) this does nothing.
const QUIET_MS = 2_000;

export class IdleCollector {
  private timer: NodeJS.Timeout | undefined;
  private readonly gc: (() => void) | undefined;

  constructor(gc: unknown = (globalThis as { gc?: unknown }).gc) {
    this.gc = typeof gc === 'function' ? (gc as () => void) : undefined;
  }

  get enabled(): boolean {
    return this.gc !== undefined;
  }

  /** call after work that left garbage behind; the collection runs once nothing else happened for a while */
  touch(): void {
    if (!this.gc) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.gc?.();
    }, QUIET_MS);
    this.timer.unref?.();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
