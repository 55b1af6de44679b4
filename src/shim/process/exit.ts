// When and how a process ended, and a promise that settles once it has.
import type { Timestamp } from '../../api/timestamp.ts';
import { toTimestamp } from '../../api/timestamp.ts';

export interface ExitInfo {
  status: number;
  /** undefined for a process that never ran (its exec failed): reported as Go's zero time */
  at: Date | undefined;
}

export class ExitLatch {
  private info: ExitInfo | undefined;
  private readonly waiters = new Set<(info: ExitInfo) => void>();

  get exited(): ExitInfo | undefined {
    return this.info;
  }

  set(info: ExitInfo): void {
    if (this.info) return;
    this.info = info;
    for (const w of this.waiters) w(info);
    this.waiters.clear();
  }

  /** Settles with the exit, or rejects with the signal's reason when the caller gives up. */
  wait(signal?: AbortSignal): Promise<ExitInfo> {
    if (this.info) return Promise.resolve(this.info);
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
