// Which spare a `start` may hand its sandbox to: one per containerd (its address), per user, and per build of
// the shim, so that after an upgrade no new sandbox is adopted by a spare running the old code. The name is an
// abstract unix socket name: it needs no file, and binding it is the lock that keeps one spare per address.
import { statSync } from 'node:fs';
import { join } from 'node:path';

/** FNV-1a, 64 bits: a short stable name without loading node:crypto on the start path */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/** The build a spare runs: the daemon bundle beside the entry point, and the node running it. */
export function buildIdentity(mainScript: string): string {
  const daemonBundle = join(mainScript, '..', 'daemon.cjs');
  let stamp = '';
  try {
    const st = statSync(daemonBundle);
    stamp = `${st.ino}:${st.mtimeMs}:${st.size}`;
  } catch {
    stamp = 'unbuilt';
  }
  return `${mainScript}\0${stamp}\0${process.execPath}\0${process.version}`;
}

export function spareName(containerdAddress: string, identity: string): string {
  const uid = process.geteuid?.() ?? 0;
  return `tsshim-spare/${uid}/${fnv1a64(`${containerdAddress}\0${identity}`)}`;
}
