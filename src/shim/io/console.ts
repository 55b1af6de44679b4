// Terminal IO: runc connects to a unix socket we listen on and sends the pty master by SCM_RIGHTS (received
// in native code: Node cannot take fds from ordinary sockets). Its output is copied by the native copier (which
// makes it non-blocking); input goes in by async writes that retry when the master is full.
import { chmod, mkdtemp, rm } from '../../fs/callback-promises.ts';
import { write as fsWrite } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { native } from '../../native/index.ts';
import type { ByteSink } from './copy.ts';

/** runc connects once per container or exec */
const CONSOLE_BACKLOG = 16;

export interface ConsoleSocket {
  dir: string;
  path: string;
  listenFd: number;
}

export async function listenConsoleSocket(tmpDirOverride: string | undefined): Promise<ConsoleSocket> {
  const runtimeDir = process.env['XDG_RUNTIME_DIR'];
  const base = tmpDirOverride ?? (runtimeDir && runtimeDir !== '' ? runtimeDir : tmpdir());
  const dir = await mkdtemp(join(base, 'pty'));
  const path = join(dir, 'pty.sock');
  try {
    const listenFd = native().unixListen(path, CONSOLE_BACKLOG);
    // As containerd does: the sticky bit keeps the socket from being cleaned out of XDG_RUNTIME_DIR.
    if (tmpDirOverride === undefined && runtimeDir) await chmod(path, 0o1755).catch(() => {});
    return { dir, path, listenFd };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** accept runc's connection and take the pty master; always releases the socket and its directory */
export async function receiveConsole(sock: ConsoleSocket): Promise<number> {
  try {
    return native().consoleSocketReceive(sock.listenFd);
  } finally {
    closeConsoleSocket(sock);
    await rm(sock.dir, { recursive: true, force: true });
  }
}

export function closeConsoleSocket(sock: ConsoleSocket): void {
  if (sock.listenFd < 0) return;
  try {
    native().close(sock.listenFd);
  } catch {
    // already gone
  }
  sock.listenFd = -1;
}

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

const retryMs = 20;

/** input to the master. destroy() only stops writing: a shell must not lose its terminal when stdin ends. */
export function consoleSink(fd: number): ByteSink {
  let stopped = false;
  const writeAll = (chunk: Buffer, done: (err?: Error) => void): void => {
    if (stopped) {
      done(new Error('console input closed'));
      return;
    }
    fsWrite(fd, chunk, 0, chunk.length, null, (err, n) => {
      if (err && errnoCode(err) === 'EAGAIN') setTimeout(() => writeAll(chunk, done), retryMs).unref();
      else if (err) done(err);
      else if (n < chunk.length) writeAll(chunk.subarray(n), done);
      else done();
    });
  };
  return {
    write: writeAll,
    destroy() {
      stopped = true;
    },
  };
}
