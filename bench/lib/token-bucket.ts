// A reader's pace: tokens (bytes) accrue at `rate` per second up to `capacity`; a read may take only what has
// accrued. The clock is performance.now(), so late timers cost nothing as long as the bucket does not overflow.
export class TokenBucket {
  private tokens = 0;
  private last: number;

  /** starts empty at `now`, so the first `rate × t` bytes take t */
  constructor(
    private readonly rate: number,
    private readonly capacity: number,
    now = performance.now(),
  ) {
    if (!(rate > 0) || !(capacity > 0)) throw new Error(`token bucket: rate ${rate}, capacity ${capacity}`);
    this.last = now;
  }

  /** bytes that may be read now */
  available(now = performance.now()): number {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    return this.tokens;
  }

  take(bytes: number): void {
    this.tokens -= bytes;
  }

  /** ms until `bytes` may be read (0 if they may now) */
  waitMs(bytes: number, now = performance.now()): number {
    const missing = bytes - this.available(now);
    return missing <= 0 ? 0 : (missing * 1000) / this.rate;
  }
}
