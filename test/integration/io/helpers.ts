// Plays containerd's client side of stdio (FIFOs it creates and reads/writes) and runc's side (a child that
// gets the ProcessIO's fds as its stdio).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdtempSync, open, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IOContext, LogLevel, RuncIo } from '../../../src/shim/io/index.ts';

export interface LogEntry {
  level: LogLevel;
  msg: string;
  fields?: Record<string, unknown>;
}

export function testContext(logs: LogEntry[], extra: Partial<IOContext> = {}): IOContext {
  return {
    id: 'ctr-1',
    namespace: 'testns',
    ioUid: 0,
    ioGid: 0,
    log: (level, msg, fields) => logs.push(fields ? { level, msg, fields } : { level, msg }),
    ...extra,
  };
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function mkfifo(path: string): string {
  execFileSync('mkfifo', ['-m', '0700', path]);
  return path;
}

/** Opens a FIFO end as containerd's client does: a blocking open on a background thread, started before
 *  Create, that completes once the shim opens its side. release() unblocks it if the shim never does. */
class ClientFifo {
  private fd: number | undefined;
  private released = false;
  readonly opened: Promise<number>;

  constructor(
    private readonly path: string,
    flags: number,
  ) {
    this.opened = new Promise((resolve, reject) =>
      open(path, flags, (err, fd) => {
        if (err) reject(err);
        else if (this.released) closeSync(fd);
        else resolve((this.fd = fd));
      }),
    );
    this.opened.catch(() => {});
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.fd !== undefined) return;
    // a peer on the other side lets the pending blocking open return
    const peer = openSync(this.path, constants.O_RDWR | constants.O_NONBLOCK);
    closeSync(peer);
  }
}

/** The client's reader of a stdout/stderr FIFO. */
export class FifoReader {
  private readonly fifo: ClientFifo;
  private sock: Socket | undefined;
  private readonly chunks: Buffer[] = [];
  readonly ended: Promise<Buffer>;
  private listeners: (() => void)[] = [];

  constructor(path: string) {
    this.fifo = new ClientFifo(path, constants.O_RDONLY);
    this.ended = this.fifo.opened.then(
      (fd) =>
        new Promise<Buffer>((resolve, reject) => {
          const sock = new Socket({ fd, readable: true, writable: false });
          this.sock = sock;
          sock.on('data', (c: Buffer) => {
            this.chunks.push(c);
            for (const l of this.listeners) l();
          });
          sock.on('end', () => resolve(this.data()));
          sock.on('error', reject);
          sock.on('close', () => reject(new Error('reader closed before EOF')));
        }),
    );
    this.ended.catch(() => {});
  }

  data(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** a slow reader: after each chunk, stop reading for pauseMs */
  throttle(pauseMs: number): void {
    this.listeners.push(() => {
      if (!this.sock || this.sock.isPaused()) return;
      this.sock.pause();
      setTimeout(() => this.sock?.resume(), pauseMs);
    });
  }

  /** resolves once the data read so far contains text */
  waitFor(text: string): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.data().includes(text)) {
          this.listeners = this.listeners.filter((l) => l !== check);
          resolve();
        }
      };
      this.listeners.push(check);
      check();
    });
  }

  close(): void {
    this.fifo.release();
    this.sock?.destroy();
  }
}

/** The client's writer of a stdin FIFO. */
export class FifoWriter {
  private readonly fifo: ClientFifo;
  private sock: Socket | undefined;
  private readonly ready: Promise<Socket>;

  constructor(path: string) {
    this.fifo = new ClientFifo(path, constants.O_WRONLY);
    this.ready = this.fifo.opened.then((fd) => {
      const sock = new Socket({ fd, readable: false, writable: true });
      sock.on('error', () => {});
      this.sock = sock;
      return sock;
    });
    this.ready.catch(() => {});
  }

  async write(data: string | Buffer): Promise<void> {
    const sock = await this.ready;
    await new Promise<void>((resolve, reject) => sock.write(data, (err) => (err ? reject(err) : resolve())));
  }

  /** the client closes its writer (ctr does at stdin EOF) */
  async end(): Promise<void> {
    const sock = await this.ready;
    await new Promise<void>((resolve) => sock.end(resolve));
    sock.destroy();
  }

  close(): void {
    this.fifo.release();
    this.sock?.destroy();
  }
}

export interface Child {
  proc: ChildProcess;
  exited: Promise<number>;
}

/** runc's part: a process whose stdio are the fds the ProcessIO gives runc */
export function runWithIo(file: string, args: string[], io: RuncIo): Child {
  const proc = spawn(file, args, {
    stdio: [io.stdin ?? 'ignore', io.stdout ?? 'ignore', io.stderr ?? 'ignore'],
  });
  const exited = new Promise<number>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1)));
  });
  return { proc, exited };
}

export function killIfRunning(child: Child | undefined): void {
  if (child && child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** polls a condition (safety-net timeout only) */
export async function waitUntil(cond: () => boolean, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}
