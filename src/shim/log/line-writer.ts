// Whole lines onto a non-blocking fd (the shim's log FIFO) without ever blocking the event loop and without
// unbounded memory: what the fd does not take at once waits in a backlog retried on a timer; when the backlog
// is full, new lines are dropped whole and counted.
import { writeSync } from 'node:fs';

const RETRY_MS = 50;

export class LineWriter {
  private backlog: Buffer[] = [];
  private backlogBytes = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  /** told how many lines were dropped, once writing works again; may write() a line about it */
  onDropped: (count: number) => void = () => undefined;

  constructor(
    private readonly fd: number,
    private readonly maxBacklogBytes: number,
  ) {}

  get droppedLines(): number {
    return this.dropped;
  }

  write(line: string): void {
    const buf = Buffer.from(line);
    if (this.backlog.length > 0) {
      this.enqueue(buf);
      return;
    }
    const n = this.tryWrite(buf);
    if (n < buf.length) this.enqueue(n === 0 ? buf : buf.subarray(n));
  }

  /** best effort, at shutdown */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.drain();
  }

  private enqueue(buf: Buffer): void {
    // the head may be a partly written line: it is always kept, so no line is ever torn
    if (this.backlogBytes + buf.length > this.maxBacklogBytes && this.backlog.length > 0) {
      this.dropped++;
      return;
    }
    this.backlog.push(buf);
    this.backlogBytes += buf.length;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
      if (this.backlog.length > 0) this.schedule();
    }, RETRY_MS);
    this.timer.unref();
  }

  private drain(): void {
    while (this.backlog.length > 0) {
      const head = this.backlog[0] as Buffer;
      const n = this.tryWrite(head);
      if (n < head.length) {
        this.backlog[0] = head.subarray(n);
        this.backlogBytes -= n;
        return;
      }
      this.backlog.shift();
      this.backlogBytes -= head.length;
    }
    if (this.dropped > 0) {
      const count = this.dropped;
      this.dropped = 0;
      this.onDropped(count);
    }
  }

  /** bytes the fd took; 0 when it is full (EAGAIN) or has no reader (EPIPE: the line is then lost) */
  private tryWrite(buf: Buffer): number {
    try {
      return writeSync(this.fd, buf);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') return 0;
      // EPIPE (containerd is not reading; it reopens the FIFO when it comes back), EBADF, ...: nowhere to write
      return buf.length;
    }
  }
}
