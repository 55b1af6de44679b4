// Moving the shim into the `shim_cgroup` option's cgroup, on cgroup v2 (unified) or v1 (every subsystem).
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';

export function isCgroupV2(root = CGROUP_ROOT): boolean {
  return existsSync(join(root, 'cgroup.controllers'));
}

export function moveToCgroup(pid: number, cgroup: string, root = CGROUP_ROOT): void {
  const rel = cgroup.replace(/^\/+/, '');
  if (isCgroupV2(root)) {
    writeFileSync(join(root, rel, 'cgroup.procs'), String(pid));
    return;
  }
  let moved = 0;
  for (const subsystem of readdirSync(root)) {
    const procs = join(root, subsystem, rel, 'cgroup.procs');
    if (!existsSync(procs)) continue;
    writeFileSync(procs, String(pid));
    moved++;
  }
  if (moved === 0) throw new Error(`shim cgroup ${cgroup} does not exist under ${root}`);
}
