// Mounting containerd's rootfs mounts into <bundle>/rootfs with containerd's semantics.
import { mkdirSync } from 'node:fs';
import type { Mount } from '../../api/types.ts';
import { native } from '../../native/index.ts';
import { compactOverlayData, MS, parseMountOptions, PROPAGATION_FLAGS } from './options.ts';
import { resolveInRoot } from './root-path.ts';
import { unmountAll } from './unmount.ts';

const PAGE_SIZE = 4096;

/** Where `m` goes: its target under `rootfs`, with the links on the way resolved inside `rootfs` (root-path.ts). */
function mountTarget(m: Mount, rootfs: string): string {
  try {
    return resolveInRoot(rootfs, m.target ?? '');
  } catch (err) {
    const where = `${JSON.stringify(m.target)} under ${rootfs}`;
    throw new Error(`mount ${m.source} at ${where}: ${(err as Error).message}`, { cause: err });
  }
}

export function mountOne(m: Mount, rootfs: string): void {
  const target = mountTarget(m, rootfs);
  const { flags, data, loop } = parseMountOptions(m.options ?? []);
  if (loop) throw new Error(`mount ${m.source}: loop mounts are not supported by tsshim`);
  const compacted = m.type === 'overlay' ? compactOverlayData(data, PAGE_SIZE - 512) : { data };
  const dataText = compacted.data.join(',');
  const plainFlags = flags & ~PROPAGATION_FLAGS;
  const addon = native();
  if ((flags & MS.REMOUNT) === 0 || dataText !== '')
    addon.mount(
      m.source,
      target,
      m.type,
      plainFlags,
      dataText,
      'cwd' in compacted ? compacted.cwd : undefined,
    );
  if ((flags & PROPAGATION_FLAGS) !== 0)
    addon.mount('', target, '', flags & (PROPAGATION_FLAGS | MS.REC | MS.SILENT), '');
  const bindReadOnly = MS.BIND | MS.RDONLY;
  if ((plainFlags & bindReadOnly) === bindReadOnly) addon.mount('', target, '', plainFlags | MS.REMOUNT, '');
}

/** Mounts every mount in order; on failure undoes the ones already made and rethrows. */
export function mountRootfs(mounts: readonly Mount[], rootfs: string): void {
  mkdirSync(rootfs, { recursive: true, mode: 0o711 });
  try {
    for (const m of mounts) mountOne(m, rootfs);
  } catch (err) {
    try {
      unmountAll(rootfs);
    } catch {
      /* the mount error is the one to report */
    }
    throw err;
  }
}
