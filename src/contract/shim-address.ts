// Where a shim listens: unix:///run/containerd/s/<sha256 of "<-address>/<namespace>/<group id>">. The shim and
// the tools that find a shim (tsshim shim, tsshim doctor) share this rule.
import { createRequire } from 'node:module';
import { posix } from 'node:path';

const requireBuiltin = createRequire(import.meta.url);

export const DEFAULT_SOCKET_DIR = '/run/containerd/s';
const UNIX_PREFIX = 'unix://';

/** hex SHA-256 of a text's UTF-8 bytes */
export type Sha256Hex = (text: string) => string;

/** node:crypto, loaded on first use: it costs a process memory for as long as it lives */
function cryptoSha256Hex(text: string): string {
  const { createHash } = requireBuiltin('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(text).digest('hex');
}

/** The shim names its socket through src/shim/socket-address.ts, which passes the addon's digest. */
export function socketAddress(
  containerdAddress: string,
  namespace: string,
  groupId: string,
  socketDir = DEFAULT_SOCKET_DIR,
  sha256Hex: Sha256Hex = cryptoSha256Hex,
): string {
  const hash = sha256Hex(posix.join(containerdAddress, namespace, groupId));
  return `${UNIX_PREFIX}${posix.join(socketDir, hash)}`;
}

export function socketPath(address: string): string {
  return address.startsWith(UNIX_PREFIX) ? address.slice(UNIX_PREFIX.length) : address;
}

/** Annotations that put several containers into one shim, in the order the Go shim checks them. */
export const GROUP_ANNOTATIONS = ['io.containerd.runc.v2.group', 'io.kubernetes.cri.sandbox-id'] as const;

export function groupId(containerId: string, annotations: Record<string, string> | undefined): string {
  for (const key of GROUP_ANNOTATIONS) {
    const value = annotations?.[key];
    if (value) return value;
  }
  return containerId;
}
