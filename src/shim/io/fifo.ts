// Opening containerd's FIFOs without ever blocking the event loop. containerd's fifo library opens blocking
// in a goroutine; here every open is non-blocking and never waits for the peer:
// - stdout/stderr FIFOs are opened O_WRONLY once a reader has them open (polled without blocking, as the Go
//   shim's blocking open waits for one: bytes written before the client's reader arrives and then closed
//   would be dropped by the kernel), plus an O_RDONLY handle of our own so that a reader that goes away
//   (containerd restart) never causes EPIPE (kata runtime#2591, rust-extensions#100);
// - stdin is opened O_RDONLY, plus an O_WRONLY "closer" that keeps the FIFO from reaching EOF when the client
//   closes its writer, until CloseIO closes it.
// libuv opens every fd O_CLOEXEC, so none of these leak into runc or a logging binary.
import { closeQuietly } from '../../fs/close-quietly.ts';
import { constants, open, stat, type Stats } from 'node:fs';
import { Socket } from 'node:net';
import { promisify } from 'node:util';
import { native } from '../../native/index.ts';
import { socketSource, type ByteSource, type OutputSink } from './copy.ts';

const openFd = promisify(open);
const statPath = promisify(stat);

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await statPath(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** wrap an fd in a net.Socket, closing the fd if that fails */
export function pipeSocket(fd: number, direction: 'read' | 'write'): Socket {
  try {
    return new Socket({ fd, readable: direction === 'read', writable: direction === 'write' });
  } catch (err) {
    closeQuietly(fd);
    throw err;
  }
}

const READER_WAIT_MS = 30_000;
const READER_POLL_MS = 5;

/** ENXIO from a non-blocking O_WRONLY open means no reader yet: poll until the client's reader is there (the
 *  Go shim waits up to 30 s too); on time-out write anyway, holding the FIFO open for a late reader. */
async function openWriterWithReader(path: string): Promise<number> {
  const deadline = Date.now() + READER_WAIT_MS;
  for (;;) {
    try {
      return await openFd(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err;
      if (Date.now() > deadline) return openFd(path, constants.O_RDWR | constants.O_NONBLOCK);
      await new Promise((resolve) => setTimeout(resolve, READER_POLL_MS));
    }
  }
}

/** resolves once the FIFO holds no unread bytes (the client has read everything), or after timeoutMs */
async function readerTookAll(fd: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (native().pendingBytes(fd) === 0) return;
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, READER_POLL_MS));
  }
}

/** stdout/stderr destination: a FIFO, or (as containerd allows) an existing regular file to append to */
export async function openOutput(path: string): Promise<OutputSink> {
  if (path === '') throw new Error('containerd-shim: opening file "" failed');
  const st = await statOrUndefined(path);
  if (st?.isFIFO()) {
    const writer = await openWriterWithReader(path);
    let keepalive: number;
    try {
      keepalive = await openFd(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (err) {
      closeQuietly(writer);
      throw err;
    }
    return {
      fd: writer,
      release: () => {
        closeQuietly(writer);
        closeQuietly(keepalive);
      },
      drained: (timeoutMs) => readerTookAll(keepalive, timeoutMs),
    };
  }
  let fd: number;
  try {
    fd = await openFd(path, constants.O_WRONLY | constants.O_APPEND);
  } catch (err) {
    throw new Error(`containerd-shim: opening w/o fifo "${path}" failed: ${(err as Error).message}`);
  }
  return { fd, release: () => closeQuietly(fd) };
}

export interface StdinFifo {
  source: ByteSource;
  /** the O_WRONLY handle CloseIO closes; undefined when already closed */
  closer: number | undefined;
}

export async function openStdinFifo(path: string, withCloser: boolean): Promise<StdinFifo> {
  const st = await statOrUndefined(path);
  if (!st?.isFIFO()) throw new Error(`stdin ${path} is not a fifo`);
  const readFd = await openFd(path, constants.O_RDONLY | constants.O_NONBLOCK);
  let closer: number | undefined;
  if (withCloser) {
    try {
      // Cannot fail with ENXIO: we hold a read end.
      closer = await openFd(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      closeQuietly(readFd);
      throw err;
    }
  }
  let sock: Socket;
  try {
    sock = pipeSocket(readFd, 'read');
  } catch (err) {
    if (closer !== undefined) closeQuietly(closer);
    throw err;
  }
  return { source: socketSource(sock), closer };
}
