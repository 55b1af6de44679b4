// The far end of a container's output: a pipe the bench reads as fast as it can or at a fixed pace, standing in
// for a client that pages the output or reads it over a slow link.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface Pipe {
  /** blocking: a read waits for data as read(2) does */
  readonly readFd: number;
  /** for the writer's stdio; close it here once the writer has its copy */
  readonly writeFd: number;
  closeWriteEnd(): void;
  close(): void;
}

/** A FIFO opened at both ends. Not a child's stdout stream: a net.Socket reads ahead into its own buffers, so
 *  its reader could not take exactly what a pace allows, with read(2) sizes of its choosing. */
export function openPipe(): Pipe {
  const dir = mkdtempSync(join(tmpdir(), 'tsshim-bench-pipe-'));
  const path = join(dir, 'out');
  try {
    execFileSync('mkfifo', ['-m', '600', path]);
    // O_RDWR opens without waiting for a reader; the read end then opens without waiting for a writer
    const writeFd = openSync(path, constants.O_RDWR);
    const readFd = openSync(path, constants.O_RDONLY);
    let writeOpen = true;
    let readOpen = true;
    const closeWriteEnd = (): void => {
      if (writeOpen) closeSync(writeFd);
      writeOpen = false;
    };
    return {
      readFd,
      writeFd,
      closeWriteEnd,
      close() {
        closeWriteEnd();
        if (readOpen) closeSync(readFd);
        readOpen = false;
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Node 20 does not carry tsx's loader into worker threads: the worker loads its TypeScript through tsx's API.
const workerBoot = `require(${JSON.stringify(createRequire(import.meta.url).resolve('tsx/cjs/api'))}).require(${JSON.stringify(
  fileURLToPath(new URL('./paced-reader-worker.ts', import.meta.url)),
)}, ${JSON.stringify(fileURLToPath(import.meta.url))})`;

export interface ReaderJob {
  fd: number;
  /** bytes the writer is expected to write */
  expected: number;
  /** bytes per second until `expected` bytes were read (after that, as fast as it can); undefined: as fast as
   *  it can */
  rate?: number;
}

export type ReaderMessage =
  { kind: 'first' } | { kind: 'all'; bytesPerSecond: number } | { kind: 'end'; total: number };

export interface PacedReadOptions {
  expected: number;
  rate?: number;
  /** run when the first byte was read, and when `expected` bytes were */
  onFirstByte?(): void;
  onAllBytes?(): void;
}

export interface PacedRead {
  /** bytes read until EOF */
  total: number;
  /** bytes per second from the first byte to the expected last one; NaN if they did not all come */
  bytesPerSecond: number;
}

/** Reads fd to EOF in a worker thread. The fd stays open: close it after this settles. */
export function readPaced(fd: number, opts: PacedReadOptions): Promise<PacedRead> {
  const job: ReaderJob = { fd, expected: opts.expected, rate: opts.rate };
  const worker = new Worker(workerBoot, { eval: true, workerData: job });
  let bytesPerSecond = Number.NaN;
  return new Promise((resolve, reject) => {
    let total: number | undefined;
    worker.on('message', (m: ReaderMessage) => {
      if (m.kind === 'first') opts.onFirstByte?.();
      else if (m.kind === 'all') {
        bytesPerSecond = m.bytesPerSecond;
        opts.onAllBytes?.();
      } else total = m.total;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (total !== undefined) resolve({ total, bytesPerSecond });
      else reject(new Error(`paced reader: worker exited with ${code} before EOF`));
    });
  });
}
