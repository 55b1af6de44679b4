// Which spare a `start` may hand its sandbox to: one per containerd (its address), per user, and per build of
// the shim, so that after an upgrade no new sandbox is adopted by a spare running the old code. The name is an
// abstract unix socket name: it needs no file, and binding it is the lock that keeps one spare per address.
// The start client (src/native/start-client.c) derives the same name from the same files: keep the two alike.
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

/** a file as it is now (a rebuild or reinstall changes one of these) */
function fileStamp(path: string): string {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}:${st.mtimeNs}:${st.size}`;
  } catch {
    return 'absent';
  }
}

/** The build a spare runs: the daemon bundle beside the entry point, and the node binary running it. */
export function buildIdentity(mainScript: string, nodeBinary = process.execPath): string {
  return `${fileStamp(join(mainScript, '..', 'daemon.cjs'))}\0${fileStamp(nodeBinary)}`;
}

export function spareName(containerdAddress: string, identity: string): string {
  const uid = process.geteuid?.() ?? 0;
  return `tsshim-spare/${uid}/${fnv1a64(`${containerdAddress}\0${identity}`)}`;
}

/** The lock a spare holds from before it boots until it adopts a sandbox: whoever boots a spare binds it first,
 *  so that starts running together boot one spare, not one each. */
export function spareLockName(name: string): string {
  return name.replace(/^tsshim-spare\//, 'tsshim-spare-lock/');
}
