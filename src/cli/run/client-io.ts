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
