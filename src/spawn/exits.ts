// Exit dispatcher: the shim is a child subreaper, so container processes (and their orphans) become our
// children; one SIGCHLD listener reaps every exited child libuv does not own and hands the exits out.
import { native, type ReapedExit } from '../native/index.ts';

export interface ChildExit {
  pid: number;
  /** exit code, or 128 + signal number */
  status: number;
  /** when the exit was reaped */
  at: Date;
}

export type ExitListener = (exit: ChildExit) => void;

/** Go's "subscribe before runc start/exec": keeps every exit seen while open, so the exit of a process
 *  whose pid is not known yet (it died before runc returned) is not lost. */
export interface ExitCapture {
  /** the recorded exit of pid (removed from the capture), if it has exited since the capture opened */
  take(pid: number): ChildExit | undefined;
  close(): void;
}

const listeners = new Set<ExitListener>();
let reaping = false;
let retryScheduled = false;

function deliver(exits: ReapedExit[]): ChildExit[] {
  const at = new Date();
  const delivered = exits.map((e) => ({ pid: e.pid, status: e.status, at }));
  let failure: { error: unknown } | undefined;
  for (const exit of delivered)
    for (const listener of [...listeners]) {
      try {
        listener(exit);
      } catch (error) {
        failure ??= { error }; // one bad listener must not starve the others
      }
    }
  if (failure) throw failure.error;
  return delivered;
}

/** One reap pass; returns the exits it delivered. */
export function reapNow(): ChildExit[] {
  const addon = native();
  const delivered = deliver(addon.reap());
  // An exited libuv child hid the rest from waitid; libuv reaps it in this same signal dispatch, so look
  // once more afterwards in case a child exited after the /proc scan.
  if (addon.lastReapBlocked() && !retryScheduled) {
    retryScheduled = true;
    setImmediate(() => {
      retryScheduled = false;
      deliver(native().reap());
    });
  }
  return delivered;
}

/** Becomes child subreaper and starts reaping on SIGCHLD. Idempotent. */
export function startReaping(): void {
  if (reaping) return;
  reaping = true;
  native().setChildSubreaper();
  // Node's SIGCHLD signal handle is unref'd: it does not keep the process alive.
  process.on('SIGCHLD', () => {
    reapNow();
  });
  setImmediate(reapNow); // children that exited before the listener existed
}

/** Every reaped exit; returns the unsubscribe function. */
export function onExit(listener: ExitListener): () => void {
  const own: ExitListener = (exit) => listener(exit); // a distinct entry even if the same function subscribes twice
  listeners.add(own);
  return () => {
    listeners.delete(own);
  };
}

export function captureExits(): ExitCapture {
  const seen = new Map<number, ChildExit>();
  const unsubscribe = onExit((exit) => seen.set(exit.pid, exit));
  return {
    take: (pid) => {
      const exit = seen.get(pid);
      seen.delete(pid);
      return exit;
    },
    close: () => {
      unsubscribe();
      seen.clear();
    },
  };
}
