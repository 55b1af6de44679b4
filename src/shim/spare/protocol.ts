// What `start` hands a spare, and the spare's answers. Two steps, so a spare that answers too late never adopts
// a sandbox its `start` already gave to a daemon of its own: start sends the sandbox (with the listening socket
// beside it), the spare acknowledges with its pid, start confirms, and only then does the spare adopt.
import type { ShimFlags } from '../flags.ts';

export const HANDOVER_VERSION = 1;
/** a handover carries the environment containerd gave `start`: allow for a large one */
export const MAX_HANDOVER_BYTES = 1024 * 1024;
export const CONFIRM = 'adopt';

/** the flags a freshly booted daemon gets on its command line (daemonArgs) */
export type AdoptedFlags = Pick<ShimFlags, 'namespace' | 'id' | 'address' | 'publishBinary' | 'debug'>;

export interface Handover {
  version: typeof HANDOVER_VERSION;
  flags: AdoptedFlags;
  /** the first container's bundle: its log FIFO and address file */
  bundle: string;
  /** the daemon's whole environment, as `start` would have given a daemon it booted */
  env: Record<string, string>;
  /** the process title a booted daemon has (the name containerd ran the shim by, then its arguments) */
  title: string;
}

/** The handover of a sandbox whose daemon gets these flags, bundle, environment and title. */
export function handoverOf(
  flags: AdoptedFlags,
  bundle: string,
  env: Record<string, string>,
  title: string,
): Handover {
  const { namespace, id, address, publishBinary, debug } = flags;
  return {
    version: HANDOVER_VERSION,
    flags: { namespace, id, address, publishBinary, debug },
    bundle,
    env,
    title,
  };
}

export interface Acknowledgement {
  pid: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isString = (v: unknown): v is string => typeof v === 'string';

export function encode(message: Handover | Acknowledgement): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

/** A handover as the spare receives it, or undefined for anything else (a stray or hostile peer). */
export function decodeHandover(data: Uint8Array): Handover | undefined {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(v) || v.version !== HANDOVER_VERSION || !isRecord(v.flags) || !isRecord(v.env))
    return undefined;
  const f = v.flags;
  if (![f.namespace, f.id, f.address, f.publishBinary].every(isString) || typeof f.debug !== 'boolean')
    return undefined;
  if (!isString(v.bundle) || !v.bundle.startsWith('/') || !isString(v.title)) return undefined;
  if (!f.namespace || !f.id) return undefined;
  if (!Object.values(v.env).every(isString)) return undefined;
  return v as unknown as Handover;
}

export function decodeAcknowledgement(data: Uint8Array): Acknowledgement | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
    if (isRecord(v) && Number.isInteger(v.pid) && (v.pid as number) > 1) return { pid: v.pid as number };
  } catch {
    // not an acknowledgement
  }
  return undefined;
}
