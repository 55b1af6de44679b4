// A pod's app containers: the second and third container of one grouped sandbox (the annotation
// io.kubernetes.cri.sandbox-id puts them in the sandbox's shim, as the CRI plugin does), and the `start` action
// containerd 2.0–2.2 run for each of them against the running shim.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { containerdBinaries } from '../../test/helpers/containerd.ts';
import { CpuGroup, cpuacctAvailable, timeInGroup } from '../lib/cpuacct.ts';
import { ctrOk, shimSocketPath, sleep, timeCtr } from '../lib/ctr.ts';
import { medianMemory, readMemory, type MemoryKiB } from '../lib/smaps.ts';
import type { Subject } from '../lib/subjects.ts';
import { shimPid } from './memory.ts';

const GROUP_ANNOTATION = 'io.kubernetes.cri.sandbox-id';
const SETTLE_MS = 5_000;

export interface GroupRound {
  /** `ctr run -d` of the sandbox's first container (a new shim) and of the second and third (joining it), ms */
  firstStartMs: number;
  secondStartMs: number;
  thirdStartMs: number;
  /** the shim's settled memory with one, two and three containers */
  withOne: MemoryKiB;
  withTwo: MemoryKiB;
  withThree: MemoryKiB;
  /** the `start` action alone, run as containerd runs it, on the running shim's group: wall and CPU, ms */
  startActionMs: number[];
  startActionCpuMs: number[];
}

async function settled(pid: number): Promise<MemoryKiB> {
  await sleep(SETTLE_MS);
  const samples: MemoryKiB[] = [];
  for (let i = 0; i < 3; i++) {
    if (i > 0) await sleep(500);
    samples.push(readMemory(pid));
  }
  return medianMemory(samples);
}

/** the binary containerd runs for this subject: the harness's link (pointed at the Go shim or a tsshim build) */
function shimBinary(s: Subject): string {
  return join(dirname(s.daemon.root), 'bin', 'containerd-shim-runc-v2');
}

function bundleOf(s: Subject, id: string): string {
  return join(s.daemon.state, 'io.containerd.runtime.v2.task', s.daemon.namespace, id);
}

/**
 * `start` for a container of a sandbox whose shim runs: the shim's own flags, in a bundle holding the sandbox's
 * config.json (its group annotation), as containerd 2.0–2.2 run it for every CRI container. It must answer with
 * the running shim's address and start nothing.
 */
async function startActions(
  s: Subject,
  sandbox: string,
  probes: number,
  cpu: CpuGroup | undefined,
): Promise<{ wall: number[]; cpu: number[] }> {
  const bundle = mkdtempSync(join(tmpdir(), 'tsshim-bench-start-'));
  const socket = shimSocketPath(s.daemon, sandbox);
  const wall: number[] = [];
  const cpuMs: number[] = [];
  try {
    copyFileSync(join(bundleOf(s, sandbox), 'config.json'), join(bundle, 'config.json'));
    for (let i = 0; i < probes; i++) {
      const args = [
        '-namespace',
        s.daemon.namespace,
        '-address',
        s.daemon.address,
        '-publish-binary',
        containerdBinaries('2').containerd,
        '-id',
        `${sandbox}-start-${i}`,
        'start',
      ];
      const env = { ...process.env, TTRPC_ADDRESS: s.daemon.ttrpcAddress, NAMESPACE: s.daemon.namespace };
      let stdout: string;
      if (cpu) {
        const r = await timeInGroup(cpu, shimBinary(s), args, { cwd: bundle, env });
        wall.push(r.wallMs);
        cpuMs.push(r.cpuMs);
        stdout = r.stdout;
      } else {
        const t0 = performance.now();
        stdout = execFileSync(shimBinary(s), args, { cwd: bundle, env, encoding: 'utf8' });
        wall.push(performance.now() - t0);
      }
      if (!stdout.includes(socket))
        throw new Error(`${s.key}: start on a running group answered ${stdout}, not ${socket}`);
    }
  } finally {
    rmSync(bundle, { recursive: true, force: true });
  }
  return { wall, cpu: cpuMs };
}

async function round(s: Subject, n: number, probes: number, cpu: CpuGroup | undefined): Promise<GroupRound> {
  const sandbox = `grp-${s.key}-${n}`;
  const ids = [sandbox, `${sandbox}-app1`, `${sandbox}-app2`];
  const run = (id: string): Promise<number> =>
    timeCtr(s.daemon, [
      'run',
      '-d',
      '--annotation',
      `${GROUP_ANNOTATION}=${sandbox}`,
      s.image,
      id,
      'sleep',
      '1000000',
    ]);
  try {
    const firstStartMs = await run(ids[0]!);
    const pid = await shimPid(s, ids[0]!);
    const withOne = await settled(pid);
    const secondStartMs = await run(ids[1]!);
    const withTwo = await settled(pid);
    const thirdStartMs = await run(ids[2]!);
    for (const id of ids.slice(1)) {
      const other = await shimPid(s, id);
      if (other !== pid)
        throw new Error(`${s.key}: ${id} runs under shim ${other}, not the sandbox's ${pid}`);
    }
    const withThree = await settled(pid);
    const starts = await startActions(s, sandbox, probes, cpu);
    return {
      firstStartMs,
      secondStartMs,
      thirdStartMs,
      withOne,
      withTwo,
      withThree,
      startActionMs: starts.wall,
      startActionCpuMs: starts.cpu,
    };
  } finally {
    for (const id of [...ids].reverse()) {
      await s.daemon.ctr(['task', 'kill', '-s', 'SIGKILL', id]);
    }
    await sleep(500);
    for (const id of [...ids].reverse()) {
      await s.daemon.ctr(['task', 'delete', id]);
      await ctrOk(s.daemon, ['container', 'rm', id]).catch(() => undefined);
    }
  }
}

export async function measureGroup(
  subjects: Subject[],
  rounds: number,
  probes: number,
): Promise<Map<string, GroupRound[]>> {
  const cpu = cpuacctAvailable() ? new CpuGroup(`tsshimbench-${process.pid}-start`) : undefined;
  const out = new Map<string, GroupRound[]>(subjects.map((s) => [s.key, []]));
  try {
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < subjects.length; i++) {
        const s = subjects[(i + r) % subjects.length]!;
        out.get(s.key)!.push(await round(s, r, probes, cpu));
      }
    }
  } finally {
    cpu?.remove();
  }
  return out;
}
