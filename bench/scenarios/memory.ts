// Memory the shims cost: per container with several running (one shim each), and how one shim grows over
// many execs once warmed up.
import { ctrOk, sleep, taskPid } from '../lib/ctr.ts';
import { commandLine, medianMemory, parentPid, readMemory, sumMemory, type MemoryKiB } from '../lib/smaps.ts';
import type { Subject } from '../lib/subjects.ts';
import { benchContainer, execTrue } from './latency.ts';

const SETTLE_MS = 5_000;
const SAMPLES = 3;

/** The shim serving a task: the parent of its init (the shim is a subreaper; runc has exited). */
export async function shimPid(subject: Subject, id: string): Promise<number> {
  const pid = parentPid(await taskPid(subject.daemon, id));
  const cmd = commandLine(pid);
  if (!cmd.includes('containerd-shim-runc-v2') && !cmd.includes('node')) {
    throw new Error(`${subject.key}: parent of ${id}'s init is not a shim: ${pid} ${cmd}`);
  }
  return pid;
}

async function sampleSettled(pids: number[]): Promise<MemoryKiB> {
  await sleep(SETTLE_MS);
  const samples: MemoryKiB[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    if (i > 0) await sleep(1_000);
    samples.push(sumMemory(pids.map(readMemory)));
  }
  return medianMemory(samples);
}

export interface PerContainerMemory {
  containers: number;
  shims: number;
  total: MemoryKiB;
  perContainer: MemoryKiB;
}

export async function measureMemory(
  subjects: Subject[],
  containers: number,
  /** more measurements on the running containers, after the settled figure and before they are removed */
  whileRunning?: (ids: Map<string, string[]>, pids: Map<string, number[]>) => Promise<void>,
): Promise<Map<string, PerContainerMemory>> {
  const ids = new Map<string, string[]>(subjects.map((s) => [s.key, []]));
  for (let i = 0; i < containers; i++) {
    for (const s of subjects) {
      const id = `mem-${s.key}-${i}`;
      await ctrOk(s.daemon, ['run', '-d', s.image, id, 'sleep', '1000000']);
      ids.get(s.key)!.push(id);
    }
  }
  const pidsBySubject = new Map<string, number[]>();
  for (const s of subjects) {
    const pids = new Set<number>();
    for (const id of ids.get(s.key)!) pids.add(await shimPid(s, id));
    pidsBySubject.set(s.key, [...pids]);
  }
  await sleep(SETTLE_MS);
  const out = new Map<string, PerContainerMemory>();
  for (const s of subjects) {
    const pids = pidsBySubject.get(s.key)!;
    const total = await sampleSettled(pids);
    out.set(s.key, {
      containers,
      shims: pids.length,
      total,
      perContainer: {
        rss: total.rss / containers,
        pss: total.pss / containers,
        private: total.private / containers,
      },
    });
  }
  await whileRunning?.(ids, pidsBySubject);
  // gone again, so later work on these daemons does not share the machine with them
  for (const s of subjects) {
    for (const id of ids.get(s.key)!) {
      await ctrOk(s.daemon, ['task', 'kill', '-s', 'SIGKILL', id]);
    }
  }
  await sleep(1_000);
  for (const s of subjects) {
    for (const id of ids.get(s.key)!) {
      await ctrOk(s.daemon, ['task', 'delete', id]);
      await ctrOk(s.daemon, ['container', 'rm', id]);
    }
  }
  return out;
}

export interface Growth {
  execs: number;
  before: MemoryKiB;
  after: MemoryKiB;
  delta: MemoryKiB;
  /** latencies of the measured execs, ms */
  execMs: number[];
}

export async function measureGrowth(
  subjects: Subject[],
  warmup: number,
  execs: number,
  onProgress: (done: number) => void,
): Promise<Map<string, Growth>> {
  const pids = new Map<string, number>();
  for (const s of subjects) pids.set(s.key, await shimPid(s, benchContainer));
  for (let i = 0; i < warmup; i++) for (const s of subjects) await execTrue(s.daemon);
  const before = new Map<string, MemoryKiB>();
  await sleep(SETTLE_MS);
  for (const s of subjects) before.set(s.key, await sampleSettled([pids.get(s.key)!]));
  const execMs = new Map<string, number[]>(subjects.map((s) => [s.key, []]));
  for (let i = 0; i < execs; i++) {
    // alternate which shim goes first
    const order = i % 2 === 0 ? subjects : [...subjects].reverse();
    for (const s of order) execMs.get(s.key)!.push(await execTrue(s.daemon));
    if ((i + 1) % 100 === 0) onProgress(i + 1);
  }
  const out = new Map<string, Growth>();
  for (const s of subjects) {
    const after = await sampleSettled([pids.get(s.key)!]);
    const b = before.get(s.key)!;
    out.set(s.key, {
      execs,
      before: b,
      after,
      delta: { rss: after.rss - b.rss, pss: after.pss - b.pss, private: after.private - b.private },
      execMs: execMs.get(s.key)!,
    });
  }
  return out;
}
