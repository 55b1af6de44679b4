// `delete`: containerd's cleanup after a task's connection closed (normal deletion or a dead shim). It may
// run while a grouped shim still serves other containers, and more than once: everything is idempotent.
// containerd runs it for every deleted task, so it loads no protobuf codec.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { encodeDeleteResponse } from '../../api/start-wire.ts';
import { Runc, isContainerNotExist } from '../../runc/index.ts';
import { BundleFile, readOptionsFile, readPidFile, readRuntimeFile } from '../bundle-files.ts';
import type { ShimFlags } from '../flags.ts';
import { checkFlagIdentifiers } from '../identifiers.ts';
import { unmountAll } from '../mount/unmount.ts';
import { runcBinary, runcRoot } from '../runc-paths.ts';
import { probeSocket } from '../socket-probe.ts';

const SIGKILL_EXIT_STATUS = 128 + 9;
/** uint32(-1): what the Go shim reports when init.pid cannot be read */
const UNKNOWN_PID = 0xffffffff;

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
  // only a refused connection proves the shim dead; a slow one is left alone
  if (!path || !existsSync(path) || (await probeSocket(path, 200)) !== 'refuses') return;
  try {
    rmSync(path, { force: true });
  } catch (err) {
    warn(`failed to remove the socket of a dead shim: ${(err as Error).message}`);
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
