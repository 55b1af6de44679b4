// What to do with container output the reader is not taking. Pure logic (time is passed in) so the policy
// can be tested without pipes: the container must never block for long on a reader that went away, while a
// reader that is merely slow must lose nothing.

export interface DropPolicy {
  /** bytes kept in memory for a FIFO before reading from the container pauses */
  capBytes: number;
  /** how long the FIFO may make no write progress (while over the cap, or after the container's EOF)
   *  before the reader is considered gone and the backlog is discarded */
  stallMs: number;
}

export const defaultDropPolicy: DropPolicy = { capBytes: 4 * 1024 * 1024, stallMs: 5000 };

export class OutputBacklog {
  private chunks: Buffer[] = [];
  private queued = 0;
  private inFlight = false;
  private inFlightBytes = 0;
  private waitingSince = 0;
  private gone = false;
  private droppedTotal = 0;

  constructor(private readonly policy: DropPolicy) {}

  get queuedBytes(): number {
    return this.queued;
  }

  /** queued plus being written: what the reader has not taken yet */
  get pendingBytes(): number {
    return this.queued + this.inFlightBytes;
  }

  get droppedBytes(): number {
    return this.droppedTotal;
  }

  /** true after a stall: the reader is treated as gone until a write completes again */
  get readerGone(): boolean {
    return this.gone;
  }

  /** nothing queued and nothing being written */
  get idle(): boolean {
    return !this.inFlight && this.queued === 0;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.queued += chunk.length;
    // With the reader gone keep only the newest output, for a reader that comes back.
    if (this.gone) this.trimTo(this.policy.capBytes);
  }

  /** The next bytes to write (coalesced up to maxBytes), or undefined while a write is in flight or the
   *  queue is empty. The caller must report completion with written(). */
  next(now: number, maxBytes: number): Buffer | undefined {
    if (this.inFlight || this.queued === 0) return undefined;
    const parts: Buffer[] = [];
    let size = 0;
    while (this.chunks.length > 0 && size < maxBytes) {
      const head = this.chunks[0] as Buffer;
      const room = maxBytes - size;
      if (head.length <= room) {
        parts.push(head);
        size += head.length;
        this.chunks.shift();
      } else {
        parts.push(head.subarray(0, room));
        this.chunks[0] = head.subarray(room);
        size += room;
      }
    }
    this.queued -= size;
    this.inFlight = true;
    this.inFlightBytes = size;
    this.waitingSince = now;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
  }

  /** the write handed out by next() completed: the reader is alive */
  written(now: number): void {
    this.inFlight = false;
    this.inFlightBytes = 0;
    this.gone = false;
    this.waitingSince = now;
  }

  /** stop reading the container while a live reader catches up */
  shouldPauseInput(): boolean {
    return !this.gone && this.pendingBytes >= this.policy.capBytes;
  }

  /** Called periodically. When a write has been stuck for stallMs while over the cap (or after the
   *  container's EOF), discards the backlog, marks the reader gone and returns the bytes dropped. */
  checkStall(now: number, inputEnded: boolean): number {
    if (!this.inFlight || this.gone) return 0;
    if (now - this.waitingSince < this.policy.stallMs) return 0;
    if (this.pendingBytes < this.policy.capBytes && !inputEnded) return 0;
    this.gone = true;
    const before = this.droppedTotal;
    this.trimTo(0);
    return this.droppedTotal - before;
  }

  /** discard everything queued (the sink is broken); returns the bytes dropped */
  discardAll(): number {
    const before = this.droppedTotal;
    this.trimTo(0);
    return this.droppedTotal - before;
  }

  private trimTo(limit: number): void {
    while (this.queued > limit && this.chunks.length > 0) {
      const head = this.chunks[0] as Buffer;
      const excess = this.queued - limit;
      if (head.length <= excess) {
        this.chunks.shift();
        this.queued -= head.length;
        this.droppedTotal += head.length;
      } else {
        this.chunks[0] = head.subarray(excess);
        this.queued -= excess;
        this.droppedTotal += excess;
      }
    }
  }
}
