// `delete`: containerd's cleanup after a task's connection closed (normal deletion or a dead shim). It may
// run while a grouped shim still serves other containers, and more than once: everything is idempotent.
// containerd runs it for every deleted task, so it loads no protobuf codec.
import { existsSync, lstatSync, readFileSync, readlinkSync, unlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import { encodeDeleteResponse } from '../../api/start-wire.ts';
import { Runc, isContainerNotExist } from '../../runc/index.ts';
import { DEFAULT_SOCKET_DIR } from '../../contract/shim-address.ts';
import { BundleFile, readOptionsFile, readPidFile, readRuntimeFile } from '../bundle-files.ts';
import type { ShimFlags } from '../flags.ts';
import { checkFlagIdentifiers } from '../identifiers.ts';
import { unmountAll } from '../mount/unmount.ts';
import { runcBinary, runcRoot } from '../runc-paths.ts';
import { probeSocket } from '../socket-probe.ts';

const SIGKILL_EXIT_STATUS = 128 + 9;
/** uint32(-1): what the Go shim reports when init.pid cannot be read */
const UNKNOWN_PID = 0xffffffff;
/** `start` names a shim's socket by a SHA-256 in hex (address.ts) */
const SHIM_SOCKET_NAME = /^[0-9a-f]{64}$/;
/** where `start` links a 2.3+ daemon's socket directory in the bundle */
const SOCKET_DIR_LINK = 's';

/** The directories a shim of this bundle listens in: containerd's own, or the 2.3+ bootstrap's socket_dir,
 *  which `start` linked into the bundle as `s`. */
function shimSocketDirs(bundle: string): string[] {
  const dirs = [DEFAULT_SOCKET_DIR];
  try {
    const linked = readlinkSync(join(bundle, SOCKET_DIR_LINK));
    if (isAbsolute(linked)) dirs.push(normalize(linked).replace(/(.)\/+$/, '$1'));
  } catch {
    // no link: a 1.6–2.2 daemon, or a 2.3+ one that gave the default directory
  }
  return dirs;
}

/** Why `path` is not a socket a shim of this bundle could have left, or undefined when it is one. The address
 *  file is only a file in the bundle: whatever it names, only a socket that `start` could have made is removed. */
function notAShimSocket(path: string, dirs: readonly string[]): string | undefined {
  // lexically: a `..` or a doubled slash would put the name somewhere else than where it seems to be
  if (!isAbsolute(path) || normalize(path) !== path) return 'it is not a plain absolute path';
  if (!dirs.includes(dirname(path))) return `it is not in the shim socket directory (${dirs.join(' or ')})`;
  if (!SHIM_SOCKET_NAME.test(basename(path))) return 'it is not named as a shim socket';
  const st = lstatSync(path); // never follows a symlink: the link itself is judged, not what it points at
  if (st.isSymbolicLink()) return 'it is a symbolic link';
  if (!st.isSocket()) return 'it is not a socket';
  return undefined;
}

/** A shim that was killed leaves its socket behind. The address file names it; a grouped shim that still
 *  serves other containers answers on it and keeps it. */
async function removeDeadSocket(bundle: string, warn: (msg: string) => void): Promise<void> {
  let path: string;
  try {
    path = readFileSync(join(bundle, BundleFile.address), 'utf8')
      .trim()
      .replace(/^unix:\/\//, '');
  } catch {
    return;
  }
  // gone already (the shim removed it as it shut down): the usual case, and nothing to say
  if (!path || !lexists(path)) return;
  let refusal: string | undefined;
  try {
    refusal = notAShimSocket(path, shimSocketDirs(bundle));
  } catch (err) {
    refusal = (err as Error).message;
  }
  if (refusal) {
    warn(`not removing ${JSON.stringify(path)} named in the address file: ${refusal}`);
    return;
  }
  // only a refused connection proves the shim dead; a slow one is left alone
  if ((await probeSocket(path, 200)) !== 'refuses') return;
  try {
    // unlink(2) removes the directory entry itself, never what a link there would point at
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      warn(`failed to remove the socket of a dead shim: ${(err as Error).message}`);
  }
}

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

export async function deleteAction(flags: ShimFlags, warn: (msg: string) => void): Promise<Uint8Array> {
  if (!flags.namespace) throw new Error('shim namespace cannot be empty');
  checkFlagIdentifiers(flags);
  const bundle = flags.bundle || process.cwd();
  const options = readOptionsFile(bundle);
  const root = runcRoot(options, flags.namespace);
  // runc and crun keep a directory per container under their root: without it there is nothing to delete,
  // and the usual case (the shim deleted the container before containerd closed the connection) costs no spawn
  if (existsSync(join(root, flags.id))) {
    const runc = new Runc({
      binary: readRuntimeFile(bundle) || runcBinary(options),
      cwd: bundle,
      root,
      log: join(bundle, BundleFile.runcLog),
      logFormat: 'json',
    });
    try {
      await runc.delete(flags.id, { force: true });
    } catch (err) {
      if (!isContainerNotExist(err)) warn(`failed to remove runc container: ${(err as Error).message}`);
    }
  }
  try {
    unmountAll(join(bundle, 'rootfs'));
  } catch (err) {
    warn(`failed to cleanup rootfs mount: ${(err as Error).message}`);
  }
  await removeDeadSocket(bundle, warn);
  let pid = UNKNOWN_PID;
  try {
    pid = readPidFile(join(bundle, BundleFile.initPid));
  } catch (err) {
    warn(`failed to read init pid file: ${(err as Error).message}`);
  }
  return encodeDeleteResponse(pid, SIGKILL_EXIT_STATUS, new Date());
}
