// Gives memory back once the shim has gone quiet after work. While requests and execs come and go, V8 grows
// its young generation (up to 2 x --max-semi-space-size) and old space and keeps the pages, and glibc keeps
// freed malloc pages; an idle shim, which is what a shim is most of its life, should hold only what it needs.
// A plain full GC (gc() under --expose-gc) gave nothing back; V8's LowMemoryNotification shrinks the young
// generation and compacts (bench/README.md has the figures).
//
// A shim that never goes quiet (execs back to back) would otherwise hold its garbage until V8 collects old space
// on its own, which it does only once old space has grown by several MiB past what is live. So the same reduction
// also runs while busy, as soon as the heap has grown by the busy growth (BUSY_GROWTH_BYTES unless
// TSSHIM_BUSY_REDUCE_MIB says otherwise) since the last one: memory stays within that much of the settled size,
// for one reduction per that much garbage.
import { monotonicMs } from '../clock.ts';

/** how long without a request before reducing */
export const QUIET_MS = 2_000;
/** V8 heap growth since the last reduction below which another one is not worth its CPU (a few ms) */
export const MIN_GROWTH_BYTES = 256 * 1024;
/** V8 heap growth since the last reduction (or the first request) that triggers one without waiting for quiet:
 *  what a burst of requests may add to a shim's settled size, traded against a reduction's CPU per that much */
export const BUSY_GROWTH_BYTES = 1.5 * 1024 * 1024;
/** the least time between two reductions while busy, whatever the growth */
export const BUSY_MIN_INTERVAL_MS = 1_000;

/** TSSHIM_BUSY_REDUCE=0: only the idle reduction (a busy shim holds its garbage longer, for fewer collections);
 *  TSSHIM_BUSY_REDUCE_MIB: the busy growth in MiB (a positive number), BUSY_GROWTH_BYTES otherwise */
export function busyGrowthBytes(env: NodeJS.ProcessEnv): number | undefined {
  if (env.TSSHIM_BUSY_REDUCE === '0') return undefined;
  const mib = Number(env.TSSHIM_BUSY_REDUCE_MIB);
  return env.TSSHIM_BUSY_REDUCE_MIB && Number.isFinite(mib) && mib > 0
    ? Math.round(mib * 1024 * 1024)
    : BUSY_GROWTH_BYTES;
}

export interface MemoryControls {
  /** bytes V8 has committed for its heap */
  committedBytes(): number;
  /** give memory back (native().reduceMemory) */
  reduce(): void;
}

export interface Reduction {
  /** idle: QUIET_MS after the last request; busy: the heap grew by the busy growth meanwhile */
  reason: 'idle' | 'busy';
  beforeBytes: number;
  afterBytes: number;
  ms: number;
}

export class IdleMemoryReducer {
  private timer: NodeJS.Timeout | undefined;
  /** committed heap right after the last reduction; undefined until the first one */
  private baseline: number | undefined;
  /** what busy growth is measured from: the last reduction's result, or the heap at the first request */
  private busyFrom: number | undefined;
  private lastReductionAt = Number.NEGATIVE_INFINITY;
  private busy: NodeJS.Immediate | undefined;
  /** a busy reduction ran since the last idle one: the requests after it left garbage however little the heap
   *  grew (its young generation grown back, say), and the shim is about to settle for long */
  private busySinceIdle = false;

  constructor(
    private readonly controls: MemoryControls | undefined,
    private readonly onReduced: (r: Reduction) => void = () => undefined,
    /** the heap growth that triggers a reduction while busy; undefined: only the idle one */
    private readonly busyGrowthBytes: number | undefined = BUSY_GROWTH_BYTES,
  ) {}

  get enabled(): boolean {
    return this.controls !== undefined;
  }

  /** call after work; the reduction runs once nothing else happened for QUIET_MS, and only if the heap grew,
   *  or right after this request when the heap grew by the busy growth meanwhile */
  touch(): void {
    const controls = this.controls;
    if (!controls) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.reduceIfGrown('idle');
    }, QUIET_MS);
    this.timer.unref?.();
    if (this.busyGrowthBytes === undefined) return;
    const committed = controls.committedBytes();
    this.busyFrom ??= committed;
    if (
      this.busy === undefined &&
      committed - this.busyFrom >= this.busyGrowthBytes &&
      Date.now() - this.lastReductionAt >= BUSY_MIN_INTERVAL_MS
    ) {
      // once this request's answer is on its way
      this.busy = setImmediate(() => {
        this.busy = undefined;
        this.reduceIfGrown('busy');
      });
    }
  }

  private reduceIfGrown(reason: Reduction['reason']): void {
    const controls = this.controls;
    if (!controls) return;
    const before = controls.committedBytes();
    const settling = reason === 'idle' && this.busySinceIdle;
    if (!settling && this.baseline !== undefined && before - this.baseline < MIN_GROWTH_BYTES) return;
    this.busySinceIdle = reason === 'busy';
    const t0 = monotonicMs();
    controls.reduce();
    const after = controls.committedBytes();
    this.baseline = after;
    this.busyFrom = after;
    this.lastReductionAt = Date.now();
    this.onReduced({ reason, beforeBytes: before, afterBytes: after, ms: monotonicMs() - t0 });
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.busy) clearImmediate(this.busy);
    this.busy = undefined;
  }
}
