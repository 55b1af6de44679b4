// Typed face of the C addon (src/native/addon.c). The addon exposes syscalls, not policy.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ReapedExit {
  pid: number;
  /** exit code, or 128 + signal number when killed by a signal (Go shim convention) */
  status: number;
}

export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

export interface FdPoller {
  close(): void;
}

/** what copyOutput reports: the source's end, a destination that failed for good, a source that failed */
export const CopyEvent = { end: 0, sinkError: 1, sourceError: 2 } as const;
export type CopyEvent = (typeof CopyEvent)[keyof typeof CopyEvent];

export interface CopyStats {
  /** bytes written to the destination */
  copied: number;
  /** bytes read and thrown away after the destination failed (or with no destination) */
  discarded: number;
  /** 1 while bytes move by splice(2), 0 once the copy fell back to read/write through one reused buffer */
  spliced: number;
  /** 1 while the destination is full and the source is not read */
  waitingForDestination: number;
  /** whole lines dropped because the destination was full (dropLines only) */
  droppedLines: number;
}

export interface OutputCopier {
  /** stop watching both fds; call it (after the end event, or to abandon the copy) before closing them */
  stop(): void;
  stats(): CopyStats;
}

export interface NativeAddon {
  /** prctl(PR_SET_CHILD_SUBREAPER, 1) */
  setChildSubreaper(): void;
  /** Mark a pid as owned by libuv (spawned through child_process): reap() never waits for it. */
  markOwned(pid: number): void;
  unmarkOwned(pid: number): void;
  /** wait for every exited child that is not owned, without blocking; returns their statuses */
  reap(): ReapedExit[];
  /** true when the last reap() met an exited child owned by libuv first (it then waited for the other children
   *  by pid, as listed in each /proc/self/task/<tid>/children); the caller retries once libuv has reaped its own */
  lastReapBlocked(): boolean;
  /** pipe2(O_CLOEXEC): [readFd, writeFd] */
  pipe(): [number, number];
  fchown(fd: number, uid: number, gid: number): void;
  dup2(oldFd: number, newFd: number): void;
  close(fd: number): void;
  /** a unix stream socket bound and listening at path, non-blocking and close-on-exec (the shim's socket, runc's
   *  --console-socket); throws EADDRINUSE when path exists */
  unixListen(path: string, backlog: number): number;
  /** accept one pending connection (non-blocking; throws EAGAIN when none) and receive one fd by SCM_RIGHTS
   *  (waits at most 2 s for a connected peer to send); returns the received fd, FD_CLOEXEC set */
  consoleSocketReceive(listenFd: number): number;
  /** ioctl(FIONREAD): bytes written to a pipe or FIFO that no reader has taken yet */
  pendingBytes(fd: number): number;
  /** ioctl(TIOCSWINSZ) */
  setWinsize(fd: number, cols: number, rows: number): void;
  /** mount(2); when cwd is given the call runs on a thread that unshare(CLONE_FS)+chdir(cwd) first,
   *  so relative paths in data (long overlay lowerdirs) resolve there */
  mount(source: string, target: string, fstype: string, flags: number, data: string, cwd?: string): void;
  umount2(target: string, flags: number): void;
  /** getsockopt(SO_PEERCRED) of a connected unix socket fd */
  peerCredentials(fd: number): PeerCredentials;
  /** Copies srcFd (a pipe or terminal master) to dstFd (a FIFO, pipe, file; -1 discards) on the event loop:
   *  splice(2) where the kernel can, else read/write through one reused buffer. While the destination is full
   *  the source is not read (the writer blocks); with dropLines, whole lines the destination cannot take are
   *  dropped instead (and counted). onEvent gets (event, errno, bytes copied so far). Neither fd is closed.
   *  Both fds are made non-blocking when they can be polled. */
  copyOutput(
    srcFd: number,
    dstFd: number,
    onEvent: (event: CopyEvent, errno: number, copied: number) => void,
    dropLines?: boolean,
  ): OutputCopier;
  /** a non-blocking SOCK_SEQPACKET listener on an abstract unix name (no file); EADDRINUSE when taken */
  seqpacketListen(name: string): number;
  /** a blocking connection to an abstract name; ECONNREFUSED/ENOENT when nobody listens */
  seqpacketConnect(name: string): number;
  /** accept one pending connection (made blocking); EAGAIN when none */
  seqpacketAccept(listenFd: number): number;
  /** one message, with passFd (>= 0) beside it by SCM_RIGHTS */
  sendMessage(fd: number, data: Uint8Array, passFd: number): void;
  /** one message within timeoutMs (ETIMEDOUT), at most maxBytes (EMSGSIZE); empty data: the peer closed;
   *  fd -1 when none came (a received fd is close-on-exec) */
  recvMessage(fd: number, timeoutMs: number, maxBytes: number): { data: Buffer; fd: number };
  /** eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK) */
  eventfd(): number;
  /** uv_poll on fd for readability; callback runs on the event loop (no thread per fd). While open, the poll
   *  keeps the event loop alive (an active watch); close() it before closing the fd. */
  pollReadable(fd: number, onReadable: () => void): FdPoller;
  /** read 8 bytes from an eventfd; returns the counter, or 0 when nothing is pending */
  eventfdRead(fd: number): number;
  /** V8's committed heap (process.memoryUsage().heapTotal), without reading /proc/self as memoryUsage does */
  heapCommittedBytes(): number;
  /** V8's LowMemoryNotification (collections that shrink the young generation and compact) then malloc_trim(0);
   *  false when no isolate was current (nothing done on V8's side) */
  reduceMemory(): boolean;
  /** hex SHA-256 of the text's UTF-8 bytes (Node's own OpenSSL, without loading node:crypto) */
  sha256Hex(text: string): string;
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    const up = dirname(dir);
    if (up === dir)
      throw new Error('tsshim: cannot find the package root (binding.gyp) to load the native addon');
    dir = up;
  }
}

let loaded: NativeAddon | undefined;

export function native(): NativeAddon {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    loaded = require(join(packageRoot(), 'build', 'Release', 'tsshim_native.node')) as NativeAddon;
  }
  return loaded;
}
