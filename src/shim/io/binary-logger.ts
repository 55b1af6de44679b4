// Logging binary (binary:// and binary-v2://): the container's stdout/stderr pipes go straight to a logger
// process as fds 3 and 4; fd 5 is the write end of a readiness pipe.
import { spawn, type Spawned } from '../../spawn/index.ts';
import { pipeSocket } from './fifo.ts';
import { makeContainerPipe, makePipe, type FdSet } from './pipes.ts';
import type { IOContext } from './types.ts';

export interface LoggingBinary {
  /** write ends of the container's stdout/stderr pipes (owned by the FdSet) */
  stdoutWrite: number;
  stderrWrite: number;
  /** SIGTERM, wait up to 12 s, then SIGKILL (idempotent) */
  stop(): Promise<void>;
}

export interface LoggingBinaryTarget {
  path: string;
  args: string[];
  requireReadyByte: boolean;
}

const stopGraceMs = 12_000;
export const notReadyMessage =
  'logging binary did not call ready (it may have crashed or exited prematurely)';

/** Reads the readiness pipe: true if a byte arrived, false at EOF without one. */
function waitReady(readFd: number): Promise<boolean> {
  const sock = pipeSocket(readFd, 'read');
  return new Promise((resolve, reject) => {
    const settle = (byte: boolean, err?: Error): void => {
      sock.removeAllListeners();
      sock.on('error', () => {});
      sock.destroy();
      if (err) reject(err);
      else resolve(byte);
    };
    sock.once('data', () => settle(true));
    sock.once('end', () => settle(false));
    sock.once('error', (err: Error) =>
      settle(false, new Error(`failed to read from logging binary: ${err.message}`)),
    );
  });
}

function stopper(child: Spawned): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      const exited = child.exited.then(
        () => true,
        () => true,
      );
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>(
        (resolve) => (timer = setTimeout(() => resolve(false), stopGraceMs)),
      );
      const gone = await Promise.race([exited, timedOut]);
      if (timer) clearTimeout(timer);
      if (!gone) {
        child.kill('SIGKILL');
        await exited;
      }
    })();
    return stopping;
  };
}

export async function startLoggingBinary(
  target: LoggingBinaryTarget,
  ctx: IOContext,
  fds: FdSet,
): Promise<LoggingBinary> {
  const out = makeContainerPipe(fds, 'write', ctx.ioUid, ctx.ioGid);
  const err = makeContainerPipe(fds, 'write', ctx.ioUid, ctx.ioGid);
  const ready = makePipe(fds);
  const child = spawn(target.path, target.args, {
    env: { CONTAINER_ID: ctx.id, CONTAINER_NAMESPACE: ctx.namespace },
    stdio: { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' },
    extraFds: [out.read, err.read, ready.write],
  });
  const stop = stopper(child);
  let startError: Error | undefined;
  child.exited.catch((e: unknown) => {
    startError = e instanceof Error ? e : new Error(String(e));
  });
  // The logger has its copies now; ours of its ends would hide its exit from the ready pipe and the container.
  fds.close(out.read);
  fds.close(err.read);
  fds.close(ready.write);
  try {
    const gotByte = await waitReady(fds.release(ready.read));
    // A spawn failure (ENOENT...) is reported on the next tick; let it land before trusting the EOF.
    await new Promise((resolve) => setImmediate(resolve));
    if (startError) throw startError;
    if (target.requireReadyByte && !gotByte) throw new Error(notReadyMessage);
  } catch (e) {
    await stop();
    throw e;
  }
  ctx.log('debug', 'logging binary ready', { path: target.path, pid: child.pid });
  return { stdoutWrite: out.write, stderrWrite: err.write, stop };
}
