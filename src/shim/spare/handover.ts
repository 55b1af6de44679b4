// `start`'s side: hand the new sandbox to the spare of this containerd, if one answers in time.
import { closeQuietly } from '../../fs/close-quietly.ts';
import { native } from '../../native/index.ts';
import { CONFIRM, decodeAcknowledgement, encode, type Handover } from './protocol.ts';

/** how long `start` waits for a spare's acknowledgement before booting a daemon itself */
export const HANDOVER_ACK_MS = 200;

/** The pid of the spare that adopted the sandbox, or undefined when there is no spare, or it did not answer in
 *  time (it is then told nothing more and keeps nothing: the listener stays with `start`). */
export function handOver(
  name: string,
  handover: Handover,
  listenerFd: number,
  ackMs = HANDOVER_ACK_MS,
): number | undefined {
  let conn: number;
  try {
    conn = native().seqpacketConnect(name);
  } catch {
    return undefined; // no spare
  }
  try {
    native().sendMessage(conn, encode(handover), listenerFd);
    const ack = decodeAcknowledgement(native().recvMessage(conn, ackMs, 4096).data);
    if (!ack) return undefined;
    native().sendMessage(conn, Buffer.from(CONFIRM), -1);
    return ack.pid;
  } catch {
    return undefined; // wedged, gone, or refused us: boot a daemon instead
  } finally {
    closeQuietly(conn);
  }
}

/** TSSHIM_SPARE=0 (in containerd's environment, which `start` inherits) turns spares off */
export function sparesEnabled(env: NodeJS.ProcessEnv): boolean {
  return env.TSSHIM_SPARE !== '0';
}
