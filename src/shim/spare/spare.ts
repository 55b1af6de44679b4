// A pre-booted daemon: the daemon's code loaded and compiled, waiting for one `start` to hand it a sandbox. It
// holds no socket in the shim socket directory, no bundle and no container; once it has adopted one sandbox it
// is that sandbox's daemon, indistinguishable from one `start` booted, and stops listening for handovers.
import { closeQuietly } from '../../fs/close-quietly.ts';
import { existsSync } from 'node:fs';
import { native, type FdPoller } from '../../native/index.ts';
import { CONFIRM, decodeHandover, encode, MAX_HANDOVER_BYTES, type Handover } from './protocol.ts';
import type { ServedStart } from './serve-start.ts';
import {
  decodeStartRequest,
  encodeStartReply,
  failedStart,
  isStartRequest,
  type StartRequestMessage,
} from './start-request.ts';

export { buildIdentity, spareName } from './identity.ts';
export { serveStart } from './serve-start.ts';

/** how long a spare waits for the confirmation after its acknowledgement (start waits less for the ack) */
const CONFIRM_WAIT_MS = 1_000;
/** how often a spare looks for its containerd's socket: it exits within a second once that is gone */
const WATCH_MS = 500;
const DEFAULT_IDLE_SECONDS = 600;

export interface Adoption {
  handover: Handover;
  listenerFd: number;
  /** who brought the sandbox: a Node `start` (handover) or the start client, with no Node `start` at all */
  via: 'handover' | 'start client';
}

export interface SpareOptions {
  /** the abstract name start looks for (identity.ts) */
  name: string;
  /** containerd's socket: the spare exits once it is gone */
  containerdAddress: string;
  /** TSSHIM_SPARE_IDLE_SECONDS: how long a spare waits for a sandbox before exiting */
  idleSeconds?: number;
  /** does a whole `start` a start client brought (serve-start.ts) */
  serveStart(request: StartRequestMessage, stdinFd: number): Promise<ServedStart>;
  /** the spare lock (identity.ts), bound by whoever booted this spare: held until a sandbox is adopted */
  lockFd?: number;
  /** a daemon a start client booted for its start alone: the listener it made on a name of its own. Such a
   *  daemon serves that one start and exits unless it adopted the sandbox. */
  ownListenerFd?: number;
}

/** a daemon booted for one start waits no longer for it than the start client waits for the daemon */
const OWN_LISTENER_IDLE_SECONDS = 15;

export function spareIdleSeconds(env: NodeJS.ProcessEnv): number {
  const v = Number(env.TSSHIM_SPARE_IDLE_SECONDS);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_IDLE_SECONDS;
}

/** Acknowledge a message with our pid and wait for the confirmation: only then may the spare act on it. */
function confirmed(conn: number): boolean {
  try {
    native().sendMessage(conn, encode({ pid: process.pid }), -1);
    return native().recvMessage(conn, CONFIRM_WAIT_MS, 64).data.toString('utf8') === CONFIRM;
  } catch {
    return false; // the other side gave up on us (it boots a daemon of its own) or went away
  }
}

type Received =
  { kind: 'handover'; adoption: Adoption } | { kind: 'start'; request: StartRequestMessage; stdinFd: number };

/** Receive one message on an accepted connection, acknowledge it, wait for the confirmation. */
function receive(conn: number): Received | undefined {
  let received: { data: Buffer; fd: number };
  try {
    received = native().recvMessage(conn, CONFIRM_WAIT_MS, MAX_HANDOVER_BYTES);
  } catch {
    return undefined;
  }
  const discard = (): undefined => {
    if (received.fd >= 0) closeQuietly(received.fd);
    return undefined;
  };
  if (isStartRequest(received.data)) {
    const request = decodeStartRequest(received.data);
    if (!request || !confirmed(conn)) return discard();
    return { kind: 'start', request, stdinFd: received.fd };
  }
  const handover = decodeHandover(received.data);
  if (!handover || received.fd < 0 || !confirmed(conn)) return discard();
  return { kind: 'handover', adoption: { handover, listenerFd: received.fd, via: 'handover' } };
}

/** Sends a start client its reply; false when it is gone (containerd then saw its `start` fail). */
function replied(conn: number, served: ServedStart): boolean {
  try {
    native().sendMessage(conn, encodeStartReply(served.reply), -1);
    return true;
  } catch {
    return false;
  }
}

/** Waits for one sandbox; resolves with it, or exits the process when idle too long or containerd is gone. A
 *  second spare for the same name finds the name taken and exits at once. */
export function waitForSandbox(opts: SpareOptions): Promise<Adoption> {
  let listenFd: number;
  const forOneStart = opts.ownListenerFd !== undefined;
  try {
    listenFd = opts.ownListenerFd ?? native().seqpacketListen(opts.name);
  } catch {
    process.exit(0); // another spare serves this containerd already
  }
  let lockFd = opts.lockFd;
  const releaseLock = (): void => {
    if (lockFd !== undefined) closeQuietly(lockFd);
    lockFd = undefined;
  };
  const uid = process.geteuid?.() ?? 0;
  return new Promise((resolve) => {
    let poller: FdPoller | undefined;
    const stop = (): void => {
      releaseLock();
      poller?.close();
      clearInterval(watch);
      clearTimeout(idle);
      closeQuietly(listenFd);
    };
    let serving = false;
    const exit = (): void => {
      if (serving) {
        setTimeout(exit, WATCH_MS); // once the start being served is answered
        return;
      }
      stop();
      process.exit(0);
    };
    const watch = setInterval(() => {
      if (!existsSync(opts.containerdAddress)) exit();
    }, WATCH_MS);
    const idleSeconds = forOneStart ? OWN_LISTENER_IDLE_SECONDS : (opts.idleSeconds ?? DEFAULT_IDLE_SECONDS);
    const idle = setTimeout(exit, idleSeconds * 1000);
    // one request at a time: the poller is closed while a start is served and opened again if it adopted nothing
    const onReadable = (): void => {
      let conn: number;
      try {
        conn = native().seqpacketAccept(listenFd);
      } catch {
        return; // EAGAIN: another wake-up took it
      }
      let received: Received | undefined;
      try {
        // only our own user may hand us a sandbox (the name is visible to every process in the network namespace)
        if (native().peerCredentials(conn).uid === uid) received = receive(conn);
      } finally {
        if (received?.kind !== 'start') closeQuietly(conn);
      }
      if (!received && forOneStart) {
        exit(); // the start client that booted us gave up on us
      } else if (received?.kind === 'handover') {
        stop();
        resolve(received.adoption);
      } else if (received?.kind === 'start') {
        serving = true;
        poller?.close();
        poller = undefined;
        const answer = opts
          .serveStart(received.request, received.stdinFd)
          .catch((err: unknown): ServedStart => ({ reply: failedStart(err) }));
        void answer.then((served) => {
          // the lock goes before the answer: the client boots the next spare once it has the answer
          if (served.adoption) releaseLock();
          const told = replied(conn, served);
          closeQuietly(conn);
          serving = false;
          if (served.adoption && told) {
            stop();
            resolve(served.adoption);
          } else if (served.adoption) {
            // placed and claimed for a start that failed: give the sandbox back, and leave no spare placed so
            served.abandon?.();
            exit();
          } else if (forOneStart) {
            exit(); // it answered for a running shim: nothing of its own to serve
          } else {
            poller = native().pollReadable(listenFd, onReadable);
          }
        });
      }
    };
    poller = native().pollReadable(listenFd, onReadable);
  });
}

/** An fd this process was given at boot as `name`=fd in its environment (the variable is removed: it must not
 *  reach the daemon's children), or undefined. */
export function inheritedFd(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name];
  delete env[name];
  const fd = Number(value);
  return value !== undefined && Number.isInteger(fd) && fd > 2 ? fd : undefined;
}

/** The environment a daemon booted by `start` would have had: exactly the one handed over. */
export function takeEnvironment(env: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  Object.assign(process.env, env);
}
