// Where a shim listens, by the rule src/contract/shim-address.ts shares with the tools, hashed by the addon
// (Node's own OpenSSL): the same name node:crypto gives, without the sixteen modules node:crypto would make the
// daemon compile and keep for its life. Shim code names its socket through this, never the contract's default.
import { socketAddress } from '../contract/shim-address.ts';
import { native } from '../native/index.ts';

export function shimSocketAddress(
  containerdAddress: string,
  namespace: string,
  groupId: string,
  socketDir?: string,
): string {
  return socketAddress(containerdAddress, namespace, groupId, socketDir, native().sha256Hex);
}
