// Copy loops. Output (container → reader) is copied by the native addon, in the kernel where it can be, with
// backpressure: a reader that does not take output makes the container wait, and nothing is dropped. Input
// (client → container stdin) is small and goes through JS.
import { constants } from 'node:os';
import type { Socket } from 'node:net';
import { CopyEvent, native, type CopyStats, type OutputCopier } from '../../native/index.ts';
import type { LogFn } from './types.ts';

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
}

/** where one output stream is read from: the container's pipe or a terminal's master */
export interface OutputSource {
  readonly fd: number;
  /** close what the source owns; called once, after the copy stopped using fd */
  release(): void;
}

/** where one output stream goes: a FIFO, a pipe, a file (-1: nowhere) */
export interface OutputSink {
  readonly fd: number;
  /** close what the sink owns; called once, after the copy stopped using fd */
  release(): void;
  /** settles once the reader has taken what was written (or after timeoutMs); FIFOs only */
  drained?(timeoutMs: number): Promise<void>;
}

/** How long an output waits, after the container's side ended, for the client to read what is still in the
 *  FIFO before the FIFO is closed: containerd 2.x clients close their read ends right after Delete returns
 *  (cio Cancel), so bytes still in the FIFO then are lost. */
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

function errnoName(errno: number): string {
  const names = constants.errno as Record<string, number>;
  return Object.keys(names).find((k) => names[k] === errno) ?? `errno ${errno}`;
}

/** The states of one output copy and the only moves between them:
 *  copying ──source ended──▶ awaiting-reader (a FIFO: until the client has read it all) ──▶ done
 *  copying ──source ended──▶ done (a pipe or file: nothing to wait for)
 *  copying | awaiting-reader ──stop()──▶ stopped (the process's IO is closed before the end) */
export type OutputState = 'copying' | 'awaiting-reader' | 'done' | 'stopped';

const legalMoves: Record<OutputState, readonly OutputState[]> = {
  copying: ['awaiting-reader', 'done', 'stopped'],
  'awaiting-reader': ['done', 'stopped'],
  done: [],
  stopped: [],
};

export interface OutputCopyOptions {
  name: string;
  log: LogFn;
  /** never make the container wait for this destination: drop whole lines it cannot take, and count them */
  dropLines?: boolean;
}

export class OutputCopy {
  /** resolves once the copy is done (every byte in the reader's hands, or the destination failed) or stopped */
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private current: OutputState = 'copying';
  private readonly copier: OutputCopier;
  private sinkFailed = false;
  private finalStats: CopyStats | undefined;

  /** Takes ownership of source and sink: both are released once, whatever happens. */
  constructor(
    private readonly source: OutputSource,
    private readonly sink: OutputSink,
    private readonly opts: OutputCopyOptions,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    try {
      this.copier = native().copyOutput(
        source.fd,
        sink.fd,
        (event, errno) => this.onEvent(event, errno),
        opts.dropLines === true,
      );
    } catch (err) {
      source.release();
      sink.release();
      throw err;
    }
  }

  get state(): OutputState {
    return this.current;
  }

  /** bytes written to the destination and bytes thrown away after it failed */
  stats(): { copied: number; discarded: number; droppedLines: number } {
    const s = this.finalStats ?? this.copier.stats();
    return { copied: s.copied, discarded: s.discarded, droppedLines: s.droppedLines };
  }

  /** abandon copying and release source and sink (idempotent; nothing happens once done) */
  stop(): void {
    if (this.current !== 'copying' && this.current !== 'awaiting-reader') return;
    const wasCopying = this.current === 'copying';
    this.move('stopped');
    if (wasCopying) this.stopCopier();
    this.sink.release();
    this.resolveDone();
  }

  private move(next: OutputState): void {
    if (!legalMoves[this.current].includes(next))
      throw new Error(`output copy ${this.opts.name}: ${this.current} cannot become ${next}`);
    this.current = next;
  }

  private stopCopier(): void {
    this.finalStats = this.copier.stats();
    this.copier.stop();
    this.source.release();
  }

  private onEvent(event: CopyEvent, errno: number): void {
    if (this.current !== 'copying') return;
    if (event === CopyEvent.sinkError) {
      this.sinkFailed = true;
      this.opts.log('warn', 'writing container output failed; discarding the rest of the stream', {
        stream: this.opts.name,
        error: errnoName(errno),
      });
      return;
    }
    if (event === CopyEvent.sourceError)
      this.opts.log('warn', 'reading container output failed', {
        stream: this.opts.name,
        error: errnoName(errno),
      });
    this.sourceEnded();
  }

  private sourceEnded(): void {
    this.stopCopier();
    if (this.sink.drained && !this.sinkFailed) {
      this.move('awaiting-reader');
      // Every byte is in the FIFO; closing the writer once the reader has them gives the reader EOF.
      void this.sink.drained(READER_TAKE_MS).then(() => {
        if (this.current === 'awaiting-reader') this.finish();
      });
      return;
    }
    this.finish();
  }

  private finish(): void {
    this.move('done');
    this.sink.release();
    const { copied, discarded, droppedLines } = this.stats();
    this.opts.log('debug', 'container output copied', { stream: this.opts.name, bytes: copied });
    if (droppedLines > 0)
      this.opts.log('warn', 'container output lines were dropped because the reader did not take them', {
        stream: this.opts.name,
        droppedLines,
        droppedBytes: discarded,
      });
    if (this.sinkFailed)
      this.opts.log('warn', 'container output was discarded because its destination failed', {
        stream: this.opts.name,
        discardedBytes: discarded,
      });
    this.resolveDone();
  }
}

const inputHighWaterBytes = 64 * 1024;

/** FIFO → container stdin (or console). One write at a time, in order (console writes go through the thread
 *  pool, where two writes could overtake each other). At EOF the sink is released: for a pipe that closes the
 *  container's stdin; a console is only no longer written to. */
export function copyInput(from: ByteSource, to: ByteSink, name: string, log: LogFn): { stop(): void } {
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
