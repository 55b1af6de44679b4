// Where a shim listens: unix:///run/containerd/s/<sha256 of "<-address>/<namespace>/<group id>">. The shim and
// the tools that find a shim (tsshim shim, tsshim doctor) share this rule.
import { createRequire } from 'node:module';
import { posix } from 'node:path';

const requireBuiltin = createRequire(import.meta.url);

export const DEFAULT_SOCKET_DIR = '/run/containerd/s';
const UNIX_PREFIX = 'unix://';

export function socketAddress(
  containerdAddress: string,
  namespace: string,
  groupId: string,
  socketDir = DEFAULT_SOCKET_DIR,
): string {
  const input = posix.join(containerdAddress, namespace, groupId);
  // node:crypto is loaded on first use: it costs a shim memory for as long as it lives, and the daemon needs it
  // at most once
  const { createHash } = requireBuiltin('node:crypto') as typeof import('node:crypto');
  const hash = createHash('sha256').update(input).digest('hex');
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
