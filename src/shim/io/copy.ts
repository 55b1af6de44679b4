// Copy loops. Output (container → reader) goes through an OutputBacklog so a reader that went away never
// blocks the container; it ends only at the container side's EOF, after the last byte was written.
import { write as fsWrite } from 'node:fs';
import type { Socket } from 'node:net';
import { OutputBacklog, type DropPolicy } from './backlog.ts';
import type { IOLog } from './types.ts';

export interface ByteSource {
  /** onEnd runs once, at EOF or after a read error */
  start(onData: (chunk: Buffer) => void, onEnd: (err?: Error) => void): void;
  pause(): void;
  resume(): void;
  destroy(): void;
}

export interface ByteSink {
  /** done runs once the whole chunk was written, or with the error that stopped it */
  write(chunk: Buffer, done: (err?: Error) => void): void;
  /** release the handle; pending writes are abandoned */
  destroy(): void;
  /** settles once the reader has taken what was written (or after timeoutMs); FIFOs only */
  drained?(timeoutMs: number): Promise<void>;
}

/** How long an output waits, after its last write, for the client to read it before the FIFO is closed:
 *  containerd 2.x clients close their read ends right after Delete returns (cio Cancel), so bytes still
 *  in the FIFO then are lost. */
const READER_TAKE_MS = 2_000;

/** a readable net.Socket over a pipe or FIFO read end (it owns the fd) */
export function socketSource(sock: Socket): ByteSource {
  return {
    start(onData, onEnd) {
      let ended = false;
      const finish = (err?: Error): void => {
        if (ended) return;
        ended = true;
        onEnd(err);
      };
      sock.on('data', (chunk: Buffer) => onData(chunk));
      sock.on('end', () => finish());
      sock.on('error', (err: Error) => finish(err));
      sock.on('close', () => finish());
      // The socket reads from construction on: an empty pipe whose writers are gone can emit 'end' (and
      // 'close') before anyone listens, e.g. while the sink is still being opened. Its buffer is empty then.
      if (sock.readableEnded || sock.destroyed) queueMicrotask(() => finish());
    },
    pause: () => void sock.pause(),
    resume: () => void sock.resume(),
    destroy: () => void sock.destroy(),
  };
}

/** a writable net.Socket over a pipe or FIFO write end (it owns the fd) */
export function socketSink(sock: Socket): ByteSink {
  // Errors also arrive through the write callbacks; the listener only keeps them from being uncaught.
  sock.on('error', () => {});
  return {
    write(chunk, done) {
      if (sock.destroyed) {
        done(new Error('output handle closed'));
        return;
      }
      sock.write(chunk, (err) => done(err ?? undefined));
    },
    destroy: () => void sock.destroy(),
  };
}

/** appends to a regular file fd; the fd is owned by the caller (file:// shares one fd between streams) */
export function fileSink(fd: number): ByteSink {
  const writeAll = (chunk: Buffer, done: (err?: Error) => void): void => {
    fsWrite(fd, chunk, 0, chunk.length, null, (err, n) => {
      if (err) done(err);
      else if (n < chunk.length) writeAll(chunk.subarray(n), done);
      else done();
    });
  };
  return { write: writeAll, destroy: () => {} };
}

const maxWriteBytes = 256 * 1024;

export interface OutputCopyOptions {
  name: string;
  policy: DropPolicy;
  log: IOLog;
}

export class OutputCopy {
  /** resolves when every byte reached the sink (or the reader is gone / the sink broke) after EOF */
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly backlog: OutputBacklog;
  private ended = false;
  private finished = false;
  private stopped = false;
  private paused = false;
  private sinkBroken = false;
  private sinkReleased = false;
  private timer: NodeJS.Timeout | undefined;
  private copiedBytes = 0;
  private awaitingReader = false;

  constructor(
    private readonly source: ByteSource,
    private readonly sink: ByteSink,
    private readonly opts: OutputCopyOptions,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.backlog = new OutputBacklog(opts.policy);
    const period = Math.max(10, Math.min(1000, Math.floor(opts.policy.stallMs / 4)));
    this.timer = setInterval(() => this.checkStall(), period);
    this.timer.unref();
    source.start(
      (chunk) => this.onData(chunk),
      (err) => this.onEnd(err),
    );
  }

  get droppedBytes(): number {
    return this.backlog.droppedBytes;
  }

  /** abandon copying and release source and sink (idempotent) */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimer();
    this.source.destroy();
    this.releaseSink();
    this.reportDropped();
    this.finished = true;
    this.resolveDone();
  }

  private onData(chunk: Buffer): void {
    if (this.stopped) return;
    if (this.sinkBroken) {
      this.backlog.push(chunk);
      this.backlog.discardAll();
      return;
    }
    this.backlog.push(chunk);
    this.updateInputFlow();
    this.flush();
  }

  private onEnd(err?: Error): void {
    if (err)
      this.opts.log('warn', 'reading container output failed', {
        stream: this.opts.name,
        error: err.message,
      });
    this.ended = true;
    this.maybeFinish();
  }

  private flush(): void {
    if (this.stopped || this.sinkBroken) return;
    const chunk = this.backlog.next(Date.now(), maxWriteBytes);
    if (!chunk) {
      this.maybeFinish();
      return;
    }
    this.sink.write(chunk, (err) => {
      if (this.stopped) return;
      if (err) {
        this.onSinkError(err);
        return;
      }
      this.copiedBytes += chunk.length;
      const wasGone = this.backlog.readerGone;
      this.backlog.written(Date.now());
      if (wasGone) this.opts.log('info', 'output reader is back', { stream: this.opts.name });
      this.updateInputFlow();
      this.flush();
    });
  }

  private onSinkError(err: Error): void {
    this.sinkBroken = true;
    const dropped = this.backlog.discardAll();
    this.opts.log('warn', 'writing container output failed; discarding further output', {
      stream: this.opts.name,
      error: err.message,
      droppedBytes: dropped,
    });
    this.releaseSink();
    this.updateInputFlow();
    this.maybeFinish();
  }

  private checkStall(): void {
    if (this.stopped || this.sinkBroken) return;
    const dropped = this.backlog.checkStall(Date.now(), this.ended);
    if (dropped === 0 && !(this.ended && this.backlog.readerGone)) return;
    if (dropped > 0)
      this.opts.log('warn', 'output reader made no progress; discarded backlog', {
        stream: this.opts.name,
        droppedBytes: dropped,
        totalDroppedBytes: this.backlog.droppedBytes,
      });
    this.updateInputFlow();
    this.maybeFinish();
  }

  /** read the container only while the backlog is under its cap (or the reader is gone) */
  private updateInputFlow(): void {
    const pause = !this.sinkBroken && this.backlog.shouldPauseInput();
    if (pause === this.paused) return;
    this.paused = pause;
    if (pause) this.source.pause();
    else this.source.resume();
  }

  private maybeFinish(): void {
    if (!this.ended || this.stopped) return;
    const drained = this.backlog.idle;
    if (!drained && !this.backlog.readerGone && !this.sinkBroken) return;
    if (drained) {
      this.clearTimer();
      if (this.sink.drained && !this.awaitingReader) {
        this.awaitingReader = true;
        void this.sink.drained(READER_TAKE_MS).finally(() => {
          // Every byte is in the reader's hands: closing the handle gives the reader EOF.
          this.releaseSink();
          this.finish();
        });
        return;
      }
      if (this.awaitingReader) return;
      this.releaseSink();
    }
    this.finish();
  }

  private finish(): void {
    if (!this.finished) {
      this.finished = true;
      this.opts.log('debug', 'container output copied', { stream: this.opts.name, bytes: this.copiedBytes });
      this.reportDropped();
      this.resolveDone();
    }
  }

  private reportDropped(): void {
    if (this.backlog.droppedBytes > 0)
      this.opts.log('warn', 'container output was discarded because its reader did not take it', {
        stream: this.opts.name,
        droppedBytes: this.backlog.droppedBytes,
      });
  }

  private releaseSink(): void {
    if (this.sinkReleased) return;
    this.sinkReleased = true;
    this.sink.destroy();
  }

  private clearTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

const inputHighWaterBytes = 64 * 1024;

/** FIFO → container stdin (or console). One write at a time, in order (console writes go through the thread
 *  pool, where two writes could overtake each other). At EOF the sink is released: for a pipe that closes the
 *  container's stdin; a console is only no longer written to. */
export function copyInput(from: ByteSource, to: ByteSink, name: string, log: IOLog): { stop(): void } {
  const queue: Buffer[] = [];
  let queued = 0;
  let writing = false;
  let paused = false;
  let ended = false;
  let stopped = false;

  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    queue.length = 0;
    from.destroy();
    to.destroy();
  };
  const pump = (): void => {
    if (stopped || writing) return;
    const chunk = queue.shift();
    if (!chunk) {
      if (ended) stop();
      return;
    }
    writing = true;
    to.write(chunk, (err) => {
      writing = false;
      queued -= chunk.length;
      if (stopped) return;
      if (err) {
        log('debug', 'writing container stdin failed', { stream: name, error: err.message });
        stop();
        return;
      }
      if (paused && queued < inputHighWaterBytes) {
        paused = false;
        from.resume();
      }
      pump();
    });
  };
  from.start(
    (chunk) => {
      if (stopped) return;
      queue.push(chunk);
      queued += chunk.length;
      if (!paused && queued >= inputHighWaterBytes) {
        paused = true;
        from.pause();
      }
      pump();
    },
    (err) => {
      if (err) log('debug', 'reading stdin failed', { stream: name, error: err.message });
      ended = true;
      pump();
    },
  );
  return { stop };
}
