// Where a process's cgroup lives, from /proc/<pid>/cgroup: one directory per v1 subsystem, or the unified
// (v2) directory. The Go shim resolves v1 subsystems as <root>/<subsystem>, which the symlinks that systemd
// makes for joined hierarchies (cpu -> cpu,cpuacct) also satisfy.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isNotFound } from './values.ts';

export const DEFAULT_ROOT = '/sys/fs/cgroup';
export const DEFAULT_PROC_ROOT = '/proc';

/** the subsystems whose files the shim reads (stats, OOM); others are irrelevant to it */
export const V1_SUBSYSTEMS = ['pids', 'cpu', 'cpuacct', 'memory', 'blkio', 'hugetlb', 'rdma'] as const;
export type V1Subsystem = (typeof V1_SUBSYSTEMS)[number];

export interface V1Location {
  version: 1;
  /** the cgroup path as /proc/<pid>/cgroup names it, per subsystem */
  paths: Map<string, string>;
  /** the existing directory of each subsystem the process is in */
  dirs: Map<V1Subsystem, string>;
}

export interface V2Location {
  version: 2;
  path: string;
  dir: string;
}

/** Unified mode: the root itself is a cgroup2 mount (hybrid hosts, like this project's CI, count as v1). */
export function isUnified(root = DEFAULT_ROOT): boolean {
  return existsSync(join(root, 'cgroup.controllers'));
}

export interface CgroupLine {
  hierarchy: string;
  controllers: string[];
  path: string;
}

export function parseProcCgroup(text: string): CgroupLine[] {
  const lines: CgroupLine[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) throw new Error(`malformed /proc cgroup line ${JSON.stringify(line)}`);
    const controllers = line.slice(first + 1, second);
    lines.push({
      hierarchy: line.slice(0, first),
      controllers: controllers === '' ? [] : controllers.split(','),
      path: line.slice(second + 1),
    });
  }
  return lines;
}

function readProcCgroup(pid: number, procRoot: string): string {
  const file = join(procRoot, String(pid), 'cgroup');
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (isNotFound(err))
      throw new Error(`cannot read the cgroup of pid ${pid}: ${file} does not exist (has it exited?)`);
    throw new Error(`cannot read the cgroup of pid ${pid} from ${file}: ${(err as Error).message}`);
  }
}

export function locateCgroup(
  pid: number,
  root = DEFAULT_ROOT,
  procRoot = DEFAULT_PROC_ROOT,
): V1Location | V2Location {
  const lines = parseProcCgroup(readProcCgroup(pid, procRoot));
  if (isUnified(root)) {
    const unified = lines.find((l) => l.hierarchy === '0' && l.controllers.length === 0);
    if (!unified) throw new Error(`pid ${pid} has no cgroup v2 entry (0::/path) in its /proc cgroup file`);
    const dir = join(root, unified.path);
    if (!existsSync(dir)) throw new Error(`the cgroup v2 directory ${dir} of pid ${pid} does not exist`);
    return { version: 2, path: unified.path, dir };
  }
  const paths = new Map<string, string>();
  for (const l of lines) for (const c of l.controllers) paths.set(c, l.path);
  const dirs = new Map<V1Subsystem, string>();
  for (const s of V1_SUBSYSTEMS) {
    const p = paths.get(s);
    if (p === undefined) continue;
    const dir = join(root, s, p);
    if (existsSync(dir)) dirs.set(s, dir);
  }
  if (dirs.size === 0)
    throw new Error(
      `none of the cgroup v1 directories of pid ${pid} exist under ${root} ` +
        `(looked for ${V1_SUBSYSTEMS.join(', ')}): is cgroup v1 mounted there?`,
    );
  return { version: 1, paths, dirs };
}
