// The shim_cgroup option: the shim moves itself into a cgroup that already exists. v2: that cgroup's
// cgroup.procs; v1: the same path in every mounted hierarchy that has it (as the Go shim's static-path load).
import { existsSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { DEFAULT_ROOT, isUnified } from './paths.ts';

/** the hierarchies the Go cgroups library knows on v1, the named systemd one included */
const V1_HIERARCHIES = [
  'systemd',
  'devices',
  'hugetlb',
  'freezer',
  'pids',
  'net_cls',
  'net_prio',
  'perf_event',
  'cpuset',
  'cpu',
  'cpuacct',
  'memory',
  'blkio',
  'rdma',
];

/** "/a/../b" and "a/b" both name <root>/b... — never a directory above the root */
function relative(cgroupPath: string): string {
  return posix.normalize(`/${cgroupPath}`).replace(/^\/+/, '');
}

function addProc(procsFile: string, pid: number, cgroupPath: string): void {
  try {
    writeFileSync(procsFile, String(pid));
  } catch (err) {
    throw new Error(
      `cannot move pid ${pid} into cgroup ${cgroupPath} (${procsFile}): ${(err as Error).message}`,
    );
  }
}

export function moveProcessToCgroup(pid: number, cgroupPath: string, opts: { root?: string } = {}): void {
  const root = opts.root ?? DEFAULT_ROOT;
  const rel = relative(cgroupPath);
  if (isUnified(root)) {
    const dir = join(root, rel);
    if (!existsSync(dir))
      throw new Error(`shim cgroup ${cgroupPath} does not exist (${dir}): create it first`);
    addProc(join(dir, 'cgroup.procs'), pid, cgroupPath);
    return;
  }
  let moved = 0;
  for (const hierarchy of V1_HIERARCHIES) {
    const dir = join(root, hierarchy, rel);
    if (!existsSync(join(root, hierarchy)) || !existsSync(dir)) continue;
    addProc(join(dir, 'cgroup.procs'), pid, cgroupPath);
    moved++;
  }
  if (moved === 0)
    throw new Error(
      `shim cgroup ${cgroupPath} does not exist in any cgroup v1 hierarchy under ${root}: create it first`,
    );
}
