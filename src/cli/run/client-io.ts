// The client's side of the container's stdio FIFOs, as containerd's cio makes them: created before Create,
// read ends opened before the shim opens its write ends, nothing ever blocking.
import { closeSync, constants, openSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { run } from '../../spawn/index.ts';

export interface FifoPaths {
  stdin: string;
  stdout: string;
  stderr: string;
}

export async function mkfifo(path: string): Promise<void> {
  const res = await run('mkfifo', ['-m', '0700', path]);
  if (res.exitCode !== 0) throw new Error(`mkfifo ${path}: ${res.stderr.trim()}`);
}

export async function makeFifos(
  dir: string,
  id: string,
  tty: boolean,
  withStdin: boolean,
): Promise<FifoPaths> {
  const paths = {
    stdin: withStdin ? join(dir, `${id}-stdin`) : '',
    stdout: join(dir, `${id}-stdout`),
    stderr: tty ? '' : join(dir, `${id}-stderr`),
  };
  for (const p of Object.values(paths)) if (p) await mkfifo(p);
  return paths;
}

/** A FIFO opened without blocking, as a socket. O_RDWR for our writer: the open never waits for a reader. */
export function openFifo(path: string, mode: 'read' | 'write'): net.Socket {
  const flags = (mode === 'read' ? constants.O_RDONLY : constants.O_RDWR) | constants.O_NONBLOCK;
  const fd = openSync(path, flags);
  try {
    return new net.Socket({ fd, readable: mode === 'read', writable: mode === 'write' });
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

export function ended(stream: net.Socket, timeoutMs: number): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, timeoutMs);
    const done = (): void => {
      clearTimeout(t);
      resolve();
    };
    stream.once('end', done);
    stream.once('close', done);
  });
}

export interface ClientStdio {
  fifos: FifoPaths;
  /** the read ends relaying the process's stdout (and stderr) to ours */
  outputs: net.Socket[];
  /** the write end the process's stdin is fed through */
  stdin: net.Socket;
  close(): void;
}

/** FIFOs for one process, their read ends relayed to our stdout/stderr, opened before Create/Exec as
 *  containerd's clients do. */
export async function attachClientStdio(dir: string, id: string, tty: boolean): Promise<ClientStdio> {
  const fifos = await makeFifos(dir, id, tty, true);
  const outputs: net.Socket[] = [];
  const stdout = openFifo(fifos.stdout, 'read');
  stdout.pipe(process.stdout, { end: false });
  outputs.push(stdout);
  if (fifos.stderr) {
    const stderr = openFifo(fifos.stderr, 'read');
    stderr.pipe(process.stderr, { end: false });
    outputs.push(stderr);
  }
  const stdin = openFifo(fifos.stdin, 'write');
  return {
    fifos,
    outputs,
    stdin,
    close: () => {
      for (const s of outputs) s.destroy();
      stdin.destroy();
    },
  };
}

export interface ProcessControls {
  closeStdin(): Promise<unknown>;
  resize(width: number, height: number): Promise<unknown>;
}

/** Our stdin into the process's stdin FIFO (CloseIO once ours ends) and, for a terminal, raw mode and our
 *  window size, followed as it changes. Returns the undo. */
export function relayTerminal(stdin: net.Socket, tty: boolean, controls: ProcessControls): () => void {
  const undo: (() => void)[] = [];
  if (tty && process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    undo.push(() => process.stdin.setRawMode(false));
    const resize = (): void => {
      void controls.resize(process.stdout.columns ?? 80, process.stdout.rows ?? 24).catch(() => undefined);
    };
    resize();
    process.stdout.on('resize', resize);
    undo.push(() => process.stdout.off('resize', resize));
  }
  process.stdin.pipe(stdin, { end: false });
  const closeStdin = (): void => {
    stdin.end();
    void controls.closeStdin().catch(() => undefined);
  };
  process.stdin.once('end', closeStdin);
  undo.push(() => {
    process.stdin.unpipe(stdin);
    process.stdin.off('end', closeStdin);
    process.stdin.pause();
  });
  return () => {
    for (const u of undo.reverse()) u();
  };
}
