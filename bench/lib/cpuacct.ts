// CPU time of a containerd's shim processes, every one of them: the `start` and `delete` actions containerd runs
// (and waits for), the daemons and spares that `start` launches (reparented to init once `start` exits, so
// containerd's cutime never sees them), and the runc invocations those make. The host runs cgroup v1, so each
// containerd gets a cpuacct group of its own: every process it starts inherits the group, cpuacct.usage keeps
// what exited processes used, and the containers themselves leave it (runc moves them into /<namespace>/<id>).
// The group's usage minus containerd's own utime + stime is what the shims (and the runc calls they make) cost.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuMs } from './cpu.ts';

const CPUACCT_ROOT = '/sys/fs/cgroup/cpuacct';

export function cpuacctAvailable(): boolean {
  return existsSync(join(CPUACCT_ROOT, 'cpuacct.usage'));
}

export class CpuGroup {
  readonly path: string;

  constructor(name: string) {
    if (!cpuacctAvailable()) throw new Error(`${CPUACCT_ROOT}: no cgroup v1 cpuacct hierarchy`);
    this.path = join(CPUACCT_ROOT, name);
    mkdirSync(this.path, { recursive: true });
  }

  /** moves a process (all its threads) into the group; what it starts from now on is in it too */
  adopt(pid: number): void {
    writeFileSync(join(this.path, 'cgroup.procs'), `${pid}\n`);
  }

  /** CPU time every process of the group used since it was made, exited ones included, in ms */
  usageMs(): number {
    return Number(readFileSync(join(this.path, 'cpuacct.usage'), 'utf8').trim()) / 1e6;
  }

  pids(): number[] {
    return readFileSync(join(this.path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  }

  /** moves whatever is left back to the root group, then removes the group */
  remove(): void {
    try {
      for (const pid of this.pids()) {
        try {
          writeFileSync(join(CPUACCT_ROOT, 'cgroup.procs'), `${pid}\n`);
        } catch {
          // gone meanwhile
        }
      }
      rmdirSync(this.path);
    } catch {
      // already removed, or a process is still leaving: the group is empty and harmless
    }
  }
}

/** The pid of the containerd daemon started with this config file (the test harness does not expose it). */
export function containerdPid(configPath: string): number {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv[0]?.endsWith('/containerd') && argv.includes(configPath)) return Number(name);
  }
  throw new Error(`no containerd process runs --config ${configPath}`);
}

/** The shim processes' CPU of one containerd: its group's usage minus containerd's own time. */
export class ShimCpu {
  private constructor(
    readonly group: CpuGroup,
    readonly containerd: number,
  ) {}

  static attach(name: string, containerd: number): ShimCpu {
    const group = new CpuGroup(name);
    group.adopt(containerd);
    return new ShimCpu(group, containerd);
  }

  snapshot(): { groupMs: number; containerdMs: number } {
    return { groupMs: this.group.usageMs(), containerdMs: cpuMs(this.containerd) };
  }

  /** processes in the group other than containerd (shims, spares, runc, the start of a container) */
  others(): number[] {
    return this.group.pids().filter((p) => p !== this.containerd);
  }
}

/** Wall and CPU time of one command run to completion in a group of its own: sh joins the group, then execs it
 *  (sh's own exec is in the figure, the same for every command measured this way). */
export function timeInGroup(
  group: CpuGroup,
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ wallMs: number; cpuMs: number; stdout: string }> {
  const procs = join(group.path, 'cgroup.procs');
  return new Promise((resolve, reject) => {
    const before = group.usageMs();
    const t0 = performance.now();
    const child = spawn('/bin/sh', ['-c', `echo $$ > '${procs}' && exec "$@"`, 'sh', cmd, ...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - t0;
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')}: exit ${code ?? signal}: ${stderr}`));
      else resolve({ wallMs, cpuMs: group.usageMs() - before, stdout });
    });
  });
}
