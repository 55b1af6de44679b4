// Real pipe2() pipes between the shim and the container (never socketpairs: /dev/stdout must open inside).
import { native } from '../../native/index.ts';

export interface PipePair {
  read: number;
  write: number;
}

/** Tracks raw fds the shim owns so every path (success, failure, close) releases each exactly once. */
export class FdSet {
  private readonly fds = new Set<number>();

  add(fd: number): number {
    this.fds.add(fd);
    return fd;
  }

  /** hand ownership elsewhere (e.g. to a net.Socket that will close it) */
  release(fd: number): number {
    this.fds.delete(fd);
    return fd;
  }

  close(fd: number | undefined): void {
    if (fd === undefined || !this.fds.delete(fd)) return;
    try {
      native().close(fd);
    } catch {
      // already closed by the kernel's view; nothing else to release
    }
  }

  closeAll(): void {
    for (const fd of [...this.fds]) this.close(fd);
  }
}

export function makePipe(fds: FdSet): PipePair {
  const [read, write] = native().pipe();
  fds.add(read);
  fds.add(write);
  return { read, write };
}

/** a pipe whose `childEnd` is chowned to the container's io uid/gid */
export function makeContainerPipe(
  fds: FdSet,
  childEnd: 'read' | 'write',
  uid: number,
  gid: number,
): PipePair {
  const pair = makePipe(fds);
  try {
    native().fchown(pair[childEnd], uid, gid);
  } catch (err) {
    fds.close(pair.read);
    fds.close(pair.write);
    throw err;
  }
  return pair;
}
