// containerd's fstab-style mount options: the ones that are mount(2) flags become flags, the rest is data.
export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  REC: 0x4000,
  SILENT: 0x8000,
  UNBINDABLE: 0x20000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
  STRICTATIME: 0x1000000,
} as const;

export const PROPAGATION_FLAGS = MS.SHARED | MS.PRIVATE | MS.SLAVE | MS.UNBINDABLE;
export const MNT_DETACH = 0x2;

/** [clear, flag] as containerd's mount_linux.go lists them */
const FLAG_OPTIONS: Record<string, [boolean, number]> = {
  async: [true, MS.SYNCHRONOUS],
  atime: [true, MS.NOATIME],
  bind: [false, MS.BIND],
  defaults: [false, 0],
  dev: [true, MS.NODEV],
  diratime: [true, MS.NODIRATIME],
  dirsync: [false, MS.DIRSYNC],
  exec: [true, MS.NOEXEC],
  mand: [false, MS.MANDLOCK],
  noatime: [false, MS.NOATIME],
  nodev: [false, MS.NODEV],
  nodiratime: [false, MS.NODIRATIME],
  noexec: [false, MS.NOEXEC],
  nomand: [true, MS.MANDLOCK],
  norelatime: [true, MS.RELATIME],
  nostrictatime: [true, MS.STRICTATIME],
  nosuid: [false, MS.NOSUID],
  rbind: [false, MS.BIND | MS.REC],
  relatime: [false, MS.RELATIME],
  remount: [false, MS.REMOUNT],
  ro: [false, MS.RDONLY],
  rw: [true, MS.RDONLY],
  strictatime: [false, MS.STRICTATIME],
  suid: [true, MS.NOSUID],
  sync: [false, MS.SYNCHRONOUS],
};

const PROPAGATION_OPTIONS: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

export interface ParsedMountOptions {
  flags: number;
  data: string[];
  loop: boolean;
}

export function parseMountOptions(options: readonly string[]): ParsedMountOptions {
  let flags = 0;
  const data: string[] = [];
  let loop = false;
  for (const o of options) {
    const f = FLAG_OPTIONS[o];
    if (f) {
      flags = f[0] ? flags & ~f[1] : flags | f[1];
      continue;
    }
    const p = PROPAGATION_OPTIONS[o];
    if (p !== undefined) {
      flags |= p;
      continue;
    }
    if (o === 'loop') {
      loop = true;
      continue;
    }
    data.push(o);
  }
  return { flags, data, loop };
}

function commonDir(paths: readonly string[]): string {
  if (paths.length === 0) return '';
  let parts = paths[0]!.split('/');
  for (const p of paths.slice(1)) {
    const q = p.split('/');
    let i = 0;
    while (i < parts.length && i < q.length && parts[i] === q[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join('/');
}

/** The kernel takes at most a page of mount data. containerd shortens long overlay lowerdir lists by mounting
 *  from their common parent with relative paths; returns that parent and the rewritten data. */
export function compactOverlayData(data: readonly string[], limit: number): { cwd?: string; data: string[] } {
  if (data.join(',').length < limit) return { data: [...data] };
  const idx = data.findIndex((d) => d.startsWith('lowerdir='));
  if (idx < 0) return { data: [...data] };
  const lowers = data[idx]!.slice('lowerdir='.length).split(':');
  const dir = commonDir(lowers.map((l) => l.slice(0, l.lastIndexOf('/'))));
  if (!dir || dir === '/') return { data: [...data] };
  const rel = lowers.map((l) => l.slice(dir.length + 1));
  const out = [...data];
  out[idx] = `lowerdir=${rel.join(':')}`;
  return { cwd: dir, data: out };
}
