// A pre-booted daemon: the daemon's code loaded and compiled, waiting for one `start` to hand it a sandbox. It
// holds no socket in the shim socket directory, no bundle and no container; once it has adopted one sandbox it
// is that sandbox's daemon, indistinguishable from one `start` booted, and stops listening for handovers.
import { closeQuietly } from '../../fs/close-quietly.ts';
import { existsSync } from 'node:fs';
import { native, type FdPoller } from '../../native/index.ts';
import { CONFIRM, decodeHandover, encode, MAX_HANDOVER_BYTES, type Handover } from './protocol.ts';

export { buildIdentity, spareName } from './identity.ts';

/** how long a spare waits for the confirmation after its acknowledgement (start waits less for the ack) */
const CONFIRM_WAIT_MS = 1_000;
/** how often a spare looks for its containerd's socket: it exits within a second once that is gone */
const WATCH_MS = 500;
const DEFAULT_IDLE_SECONDS = 600;

export interface Adoption {
  handover: Handover;
  listenerFd: number;
}

export interface SpareOptions {
  /** the abstract name start looks for (identity.ts) */
  name: string;
  /** containerd's socket: the spare exits once it is gone */
  containerdAddress: string;
  /** TSSHIM_SPARE_IDLE_SECONDS: how long a spare waits for a sandbox before exiting */
  idleSeconds?: number;
}

export function spareIdleSeconds(env: NodeJS.ProcessEnv): number {
  const v = Number(env.TSSHIM_SPARE_IDLE_SECONDS);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_IDLE_SECONDS;
}

/** Receive one handover on an accepted connection: acknowledge, wait for the confirmation. */
function receive(conn: number): Adoption | undefined {
  let received: { data: Buffer; fd: number };
  try {
    received = native().recvMessage(conn, CONFIRM_WAIT_MS, MAX_HANDOVER_BYTES);
  } catch {
    return undefined;
  }
  const handover = decodeHandover(received.data);
  if (!handover || received.fd < 0) {
    if (received.fd >= 0) closeQuietly(received.fd);
    return undefined;
  }
  try {
    native().sendMessage(conn, encode({ pid: process.pid }), -1);
    const confirm = native().recvMessage(conn, CONFIRM_WAIT_MS, 64).data.toString('utf8');
    if (confirm === CONFIRM) return { handover, listenerFd: received.fd };
  } catch {
    // start gave up on us (it boots a daemon of its own) or went away
  }
  closeQuietly(received.fd);
  return undefined;
}

/** Waits for one sandbox; resolves with it, or exits the process when idle too long or containerd is gone. A
 *  second spare for the same name finds the name taken and exits at once. */
export function waitForSandbox(opts: SpareOptions): Promise<Adoption> {
  let listenFd: number;
  try {
    listenFd = native().seqpacketListen(opts.name);
  } catch {
    process.exit(0); // another spare serves this containerd already
  }
  const uid = process.geteuid?.() ?? 0;
  return new Promise((resolve) => {
    let poller: FdPoller | undefined;
    const stop = (): void => {
      poller?.close();
      clearInterval(watch);
      clearTimeout(idle);
      closeQuietly(listenFd);
    };
    const exit = (): void => {
      stop();
      process.exit(0);
    };
    const watch = setInterval(() => {
      if (!existsSync(opts.containerdAddress)) exit();
    }, WATCH_MS);
    const idle = setTimeout(exit, (opts.idleSeconds ?? DEFAULT_IDLE_SECONDS) * 1000);
    poller = native().pollReadable(listenFd, () => {
      let conn: number;
      try {
        conn = native().seqpacketAccept(listenFd);
      } catch {
        return; // EAGAIN: another wake-up took it
      }
      try {
        // only our own user may hand us a sandbox (the name is visible to every process in the network namespace)
        if (native().peerCredentials(conn).uid !== uid) return;
        const adoption = receive(conn);
        if (!adoption) return;
        stop();
        resolve(adoption);
      } finally {
        closeQuietly(conn);
      }
    });
  });
}

/** The environment a daemon booted by `start` would have had: exactly the one handed over. */
export function takeEnvironment(env: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  Object.assign(process.env, env);
}
