// Gives memory back once the shim has gone quiet after work. While requests and execs come and go, V8 grows
// its young generation (up to 2 x --max-semi-space-size) and old space and keeps the pages, and glibc keeps
// freed malloc pages; an idle shim, which is what a shim is most of its life, should hold only what it needs.
// A plain full GC (gc() under --expose-gc) gave nothing back; V8's LowMemoryNotification shrinks the young
// generation and compacts (bench/README.md has the figures).

/** how long without a request before reducing */
export const QUIET_MS = 2_000;
/** V8 heap growth since the last reduction below which another one is not worth its CPU (a few ms) */
export const MIN_GROWTH_BYTES = 256 * 1024;

export interface MemoryControls {
  /** bytes V8 has committed for its heap */
  committedBytes(): number;
  /** give memory back (native().reduceMemory) */
  reduce(): void;
}

export interface Reduction {
  beforeBytes: number;
  afterBytes: number;
  ms: number;
}

export class IdleMemoryReducer {
  private timer: NodeJS.Timeout | undefined;
  /** committed heap right after the last reduction; undefined until the first one */
  private baseline: number | undefined;

  constructor(
    private readonly controls: MemoryControls | undefined,
    private readonly onReduced: (r: Reduction) => void = () => undefined,
  ) {}

  get enabled(): boolean {
    return this.controls !== undefined;
  }

  /** call after work; the reduction runs once nothing else happened for QUIET_MS, and only if the heap grew */
  touch(): void {
    if (!this.controls) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.reduceIfGrown();
    }, QUIET_MS);
    this.timer.unref?.();
  }

  private reduceIfGrown(): void {
    const controls = this.controls;
    if (!controls) return;
    const before = controls.committedBytes();
    if (this.baseline !== undefined && before - this.baseline < MIN_GROWTH_BYTES) return;
    const t0 = performance.now();
    controls.reduce();
    const after = controls.committedBytes();
    this.baseline = after;
    this.onReduced({ beforeBytes: before, afterBytes: after, ms: performance.now() - t0 });
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
