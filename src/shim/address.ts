// Where a shim listens: unix:///run/containerd/s/<sha256 of "<-address>/<namespace>/<group id>">.
import { posix } from 'node:path';
import { lazyCrypto } from './lazy-builtins.ts';

export const DEFAULT_SOCKET_DIR = '/run/containerd/s';
const UNIX_PREFIX = 'unix://';

export function socketAddress(
  containerdAddress: string,
  namespace: string,
  groupId: string,
  socketDir = DEFAULT_SOCKET_DIR,
): string {
  const input = posix.join(containerdAddress, namespace, groupId);
  // loaded on first use: the daemon needs it only at shutdown, and node:crypto costs ~0.5 MiB once loaded
  const { createHash } = lazyCrypto();
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
