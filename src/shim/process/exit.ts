// When and how a process ended, and a promise that settles once it has.
import type { Timestamp } from '../../api/timestamp.ts';
import { toTimestamp } from '../../api/timestamp.ts';

export interface ExitInfo {
  status: number;
  /** undefined for a process that never ran (its exec failed): reported as Go's zero time */
  at: Date | undefined;
}

/** An exit is first recorded, then (once the process's state says stopped) released to its waiters: a client
 *  whose Wait has returned must find State stopped, or its Delete fails with "task must be stopped". */
export class ExitLatch {
  private info: ExitInfo | undefined;
  private released = false;
  private readonly waiters = new Set<(info: ExitInfo) => void>();

  /** the recorded exit, released or not */
  get exited(): ExitInfo | undefined {
    return this.info;
  }

  /** Records the exit without waking waiters; false when one was already recorded. */
  record(info: ExitInfo): boolean {
    if (this.info) return false;
    this.info = info;
    return true;
  }

  /** Wakes every waiter with the recorded exit (idempotent; nothing happens before record). */
  release(): void {
    const info = this.info;
    if (!info || this.released) return;
    this.released = true;
    for (const w of this.waiters) w(info);
    this.waiters.clear();
  }

  /** record and release at once, for a process whose state needs no transition first */
  set(info: ExitInfo): void {
    this.record(info);
    this.release();
  }

  /** Settles with the released exit, or rejects with the signal's reason when the caller gives up. */
  wait(signal?: AbortSignal): Promise<ExitInfo> {
    if (this.released && this.info) return Promise.resolve(this.info);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters.delete(done);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('wait canceled'));
      };
      const done = (info: ExitInfo): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(info);
      };
      if (signal?.aborted) return onAbort();
      this.waiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  exitedAt(): Timestamp {
    return toTimestamp(this.info?.at);
  }
}
