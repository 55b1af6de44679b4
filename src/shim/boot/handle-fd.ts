// The fd under a net.Server or net.Socket: Node exposes it only on the libuv handle. `start` hands its
// listener to the daemon by fd; the daemon reads a peer's SO_PEERCRED by fd.
import type net from 'node:net';

export function handleFd(s: net.Server | net.Socket): number | undefined {
  const fd = (s as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}
