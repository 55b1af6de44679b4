// What a test may leave behind on the host: processes, mounts, shim sockets, cgroups and zombies. Tests assert
// these lists are empty; the containerd helper uses the same lists to clean up after itself.
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** containerd's shim sockets live here whatever the daemon's own paths are. */
export const shimSocketDir = '/run/containerd/s';
/** runc's --root as containerd's shims set it: one directory per namespace, one entry per live container. */
export const runcRootDir = '/run/containerd/runc';
/** ctr's stdio fifos: one directory per task, left in place by `ctr run -d` (ctr's design, not a shim's). */
export const ctrFifoDir = '/run/containerd/fifo';
const cgroupRoot = '/sys/fs/cgroup';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** one letter from /proc/<pid>/stat: R, S, D, Z, ... */
  state: string;
  comm: string;
  cmdline: string;
}

export interface LeftoverScope {
  /** directories owned by the test (daemon root/state, temp dirs); anything referencing them is a leftover */
  dirs: string[];
  /** containerd namespace used by the test: containers get cgroups at /<namespace>/<id> */
  namespace?: string;
  /** shim sockets that existed before the test started, and so are not its leftovers */
  socketsBefore?: ReadonlySet<string>;
  /** pids that belong to the scope but are expected to run (e.g. the containerd daemon itself) */
  ignorePids?: number[];
}

export interface Leftovers {
  processes: ProcessInfo[];
  zombies: ProcessInfo[];
  mounts: string[];
  sockets: string[];
  cgroups: string[];
  /** runc state of containers nobody deleted: /run/containerd/runc/<namespace>/<id> */
  runcState: string[];
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function readProcess(pid: number): ProcessInfo | undefined {
  const stat = readOr(`/proc/${pid}/stat`, '');
  // comm may contain spaces and parentheses: it ends at the last ')'.
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const [state = '?', ppid = '0'] = stat.slice(close + 2).split(' ');
  const cmdline = readOr(`/proc/${pid}/cmdline`, '').split('\0').join(' ').trim();
  return { pid, ppid: Number(ppid), state, comm, cmdline };
}

/** A pre-booted shim daemon waiting for a sandbox: it belongs to its containerd, not to any container, and is
 *  expected to run (one per containerd) until that containerd is gone. */
export function isSpare(p: ProcessInfo): boolean {
  return / spare -address /.test(` ${p.cmdline}`);
}

/** whether a process exists (a zombie still counts) */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function listProcesses(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((p): p is ProcessInfo => p !== undefined);
}

function linkTarget(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

function isUnder(path: string, dirs: string[]): boolean {
  return dirs.some((dir) => path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`));
}

function referencesScope(p: ProcessInfo, scope: LeftoverScope): boolean {
  if (scope.dirs.some((dir) => p.cmdline.includes(dir))) return true;
  if (isUnder(linkTarget(`/proc/${p.pid}/cwd`), scope.dirs)) return true;
  if (scope.namespace) {
    const marker = `/${scope.namespace}/`;
    if (readOr(`/proc/${p.pid}/cgroup`, '').includes(marker)) return true;
  }
  return false;
}

/** Processes in scope, and everything they started (a shim's containers are its children). */
function scopedProcesses(all: ProcessInfo[], scope: LeftoverScope): ProcessInfo[] {
  const ignored = new Set([process.pid, ...(scope.ignorePids ?? [])]);
  const matched = new Set(
    all.filter((p) => !ignored.has(p.pid) && referencesScope(p, scope)).map((p) => p.pid),
  );
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (!matched.has(p.pid) && !ignored.has(p.pid) && matched.has(p.ppid)) {
        matched.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => matched.has(p.pid));
}

/** Decode the octal escapes (\040 for space, ...) of /proc/self/mountinfo. */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Mount points under any of dirs, deepest first (the order to unmount them in). */
export function mountsUnder(dirs: string[]): string[] {
  return readOr('/proc/self/mountinfo', '')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map(unescapeMountPath)
    .filter((p) => isUnder(p, dirs))
    .sort((a, b) => b.length - a.length);
}

export function shimSockets(): Set<string> {
  if (!existsSync(shimSocketDir)) return new Set();
  return new Set(readdirSync(shimSocketDir).map((name) => join(shimSocketDir, name)));
}

export function ctrFifoDirs(): Set<string> {
  if (!existsSync(ctrFifoDir)) return new Set();
  return new Set(readdirSync(ctrFifoDir).map((name) => join(ctrFifoDir, name)));
}

/** Targets of every open fd of every process (paths, or `socket:[inode]` and the like), by pid. */
function openFdTargets(): Map<number, string[]> {
  const byPid = new Map<number, string[]>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    byPid.set(
      Number(pid),
      fds.map((fd) => linkTarget(`/proc/${pid}/fd/${fd}`)),
    );
  }
  return byPid;
}

/** Every path some process holds open. */
export function openPaths(): Set<string> {
  const paths = new Set<string>();
  for (const targets of openFdTargets().values()) {
    for (const target of targets) if (target.startsWith('/')) paths.add(target);
  }
  return paths;
}

/** For each bound unix socket path, the pids holding a socket on it (listener or accepted connections). */
export function socketHolders(): Map<string, Set<number>> {
  const pathByInode = new Map<string, string>();
  for (const line of readOr('/proc/net/unix', '').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [inode, path] = [fields[6], fields[7]];
    if (inode && path && path.startsWith('/')) pathByInode.set(inode, path);
  }
  const holders = new Map<string, Set<number>>();
  for (const [pid, targets] of openFdTargets()) {
    for (const target of targets) {
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      const path = inode === undefined ? undefined : pathByInode.get(inode);
      if (path === undefined) continue;
      const set = holders.get(path) ?? new Set<number>();
      set.add(pid);
      holders.set(path, set);
    }
  }
  return holders;
}

/** Paths of unix sockets some process is bound to (from /proc/net/unix). */
export function boundSocketPaths(): Set<string> {
  const paths = new Set<string>();
  for (const line of readOr('/proc/net/unix', '').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const path = fields[7];
    if (path && path.startsWith('/')) paths.add(path);
  }
  return paths;
}

/** Cgroup directories (one per v1 hierarchy) named after the namespace: /sys/fs/cgroup/<ctrl>/<namespace>. */
export function namespaceCgroups(namespace: string): string[] {
  if (!existsSync(cgroupRoot)) return [];
  const found: string[] = [];
  for (const hierarchy of readdirSync(cgroupRoot)) {
    const dir = join(cgroupRoot, hierarchy, namespace);
    if (existsSync(dir)) found.push(dir);
  }
  return found;
}

/** Container cgroups (/<namespace>/<id>) still present. The /<namespace> parents stay behind by design of
 *  runc (it removes only the container's own cgroup), so they are not counted. */
export function containerCgroups(namespace: string): string[] {
  return namespaceCgroups(namespace).flatMap((dir) =>
    readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name)),
  );
}

export function runcStates(namespace: string): string[] {
  const dir = join(runcRootDir, namespace);
  return existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
}

export function leftovers(scope: LeftoverScope): Leftovers {
  const all = listProcesses();
  const scoped = scopedProcesses(all, scope);
  // A zombie has no cmdline or cwd left: it belongs to the scope through its parent (a leftover shim, or this
  // test process failing to reap what it spawned).
  const parents = new Set([process.pid, ...scoped.map((p) => p.pid), ...(scope.ignorePids ?? [])]);
  const zombies = all.filter(
    (p) => p.state === 'Z' && (parents.has(p.ppid) || scoped.some((s) => s.pid === p.pid)),
  );
  const before = scope.socketsBefore ?? new Set<string>();
  // A new socket is the scope's when one of its processes holds it, or nobody does (a stale file); a socket
  // held only by processes outside the scope belongs to someone else running at the same time.
  const holders = socketHolders();
  const scopedPids = new Set(scoped.map((p) => p.pid));
  const isOurs = (socket: string): boolean => {
    const pids = holders.get(socket);
    return pids === undefined || [...pids].some((pid) => scopedPids.has(pid));
  };
  return {
    processes: scoped.filter((p) => p.state !== 'Z' && !isSpare(p)),
    zombies,
    mounts: mountsUnder(scope.dirs),
    sockets: [...shimSockets()].filter((s) => !before.has(s) && isOurs(s)),
    cgroups: scope.namespace ? containerCgroups(scope.namespace) : [],
    runcState: scope.namespace ? runcStates(scope.namespace) : [],
  };
}

export function isClean(l: Leftovers): boolean {
  return (
    l.processes.length === 0 &&
    l.zombies.length === 0 &&
    l.mounts.length === 0 &&
    l.sockets.length === 0 &&
    l.cgroups.length === 0 &&
    l.runcState.length === 0
  );
}

/** Poll until nothing is left (things wind down asynchronously after a command returns); the timeout is a
 *  safety net, not a measurement. Returns the last observation. */
export async function settledLeftovers(scope: LeftoverScope, timeoutMs = 10_000): Promise<Leftovers> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = leftovers(scope);
    if (isClean(now) || Date.now() > deadline) return now;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
