// A path inside a container's root, resolved as if the root were `/` (containerd's fs.RootPath): a Mount's
// target comes from containerd, but the directories it walks through come from image layers, and a layer can
// hold `etc -> /` or `x -> ../../..`. path.join would hand such a path to mount(2), which follows the links on
// the host; here every symlink is read and resolved relative to the root, and `..` stops at the root, so the
// result always names something under it.
//
// The path is resolved once, before mount(2) sees it: at Create nothing runs in the container yet, so nothing
// inside it can swap a directory for a link in between (containerd takes the same view).
import { lstatSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';

/** containerd's limit; more means a loop (or a chain nobody makes by accident) */
export const MAX_SYMLINKS = 255;

export class RootPathError extends Error {
  override name = 'RootPathError';
}

/** True for the errors that mean "nothing here" rather than "cannot look": ENOENT, or ENOTDIR below a file. */
function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * `path` (absolute or not) resolved under `root`: an absolute path `root/...` with no symlink left in the part
 * that exists and no `..` anywhere. Parts that do not exist yet are kept as written (mount(2) then fails on
 * them with ENOENT, as it would in the container).
 */
export function resolveInRoot(root: string, path: string): string {
  /** resolved components under the root; none of the existing ones is a symlink */
  const resolved: string[] = [];
  /** components still to walk, the next one last */
  const pending = path.split('/').reverse();
  let links = 0;
  while (pending.length > 0) {
    const part = pending.pop()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      // at the root, `..` is the root itself, as it is for a process chrooted there
      resolved.pop();
      continue;
    }
    const candidate = posix.join(root, ...resolved, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(candidate).isSymbolicLink();
    } catch (err) {
      if (!isMissing(err)) throw err;
      isLink = false;
    }
    if (!isLink) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new RootPathError(`more than ${MAX_SYMLINKS} symbolic links (a loop?)`);
    const link = readlinkSync(candidate);
    // an absolute link starts again from the root, not from the host's `/`
    if (link.startsWith('/')) resolved.length = 0;
    pending.push(...link.split('/').reverse());
  }
  return posix.join(root, ...resolved);
}
