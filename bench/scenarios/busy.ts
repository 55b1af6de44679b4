// Memory while busy: exec probes round-robin over the running containers of each subject (one shim each), the
// private memory of every shim sampled after each round. A shim that serves requests grows its heap (young
// generation, garbage not yet collected) and gives memory back only once it is quiet: the settled figure of
// the memory scenario does not show what a node with busy shims holds.
import type { Containerd } from '../../test/helpers/containerd.ts';
import { cpuMs } from '../lib/cpu.ts';
import { sleep, timeCtr } from '../lib/ctr.ts';
import { readDirtyMemory } from '../lib/smaps.ts';
import type { Subject } from '../lib/subjects.ts';
import { nextExecId } from './latency.ts';

function execIn(daemon: Containerd, id: string): Promise<number> {
  const args = (): string[] => ['task', 'exec', '--exec-id', nextExecId('busy'), id, '/bin/true'];
  return timeCtr(daemon, args(), args);
}

export interface BusyMemory {
  shims: number;
  /** rounds × shims samples of one shim's private memory (clean + dirty), KiB */
  privateKiB: number[];
  privateDirtyKiB: number[];
  /** the exec probes' latencies, ms */
  execMs: number[];
}

/**
 * For each subject, `blocks` blocks of `rounds` rounds; a round execs /bin/true once in each container, then
 * samples every shim. The subjects take turns block by block (their order rotating), so that within a block each
 * shim gets an exec every few hundred ms, as under a steady load, without another subject's execs in between.
 */
export async function measureBusy(
  subjects: Subject[],
  idsBySubject: ReadonlyMap<string, string[]>,
  pidsBySubject: ReadonlyMap<string, number[]>,
  blocks: number,
  rounds: number,
): Promise<Map<string, BusyMemory>> {
  const out = new Map<string, BusyMemory>(
    subjects.map((s) => [
      s.key,
      { shims: pidsBySubject.get(s.key)!.length, privateKiB: [], privateDirtyKiB: [], execMs: [] },
    ]),
  );
  for (let block = 0; block < blocks; block++) {
    for (let i = 0; i < subjects.length; i++) {
      const s = subjects[(i + block) % subjects.length]!;
      const acc = out.get(s.key)!;
      for (let round = 0; round < rounds; round++) {
        for (const id of idsBySubject.get(s.key)!) acc.execMs.push(await execIn(s.daemon, id));
        for (const pid of pidsBySubject.get(s.key)!) {
          const m = readDirtyMemory(pid);
          acc.privateKiB.push(m.private);
          acc.privateDirtyKiB.push(m.privateDirty);
        }
      }
    }
  }
  return out;
}

export interface BurstMemory {
  execs: number;
  /** the shim's private memory every 100 ms while the execs ran, KiB */
  privateKiB: number[];
  /** the shim's own CPU (utime + stime) over the burst, per exec */
  shimCpuMsPerExec: number;
  execMs: number[];
}

const BURST_SAMPLE_MS = 100;

/**
 * One shim serving execs back to back (a client looping over `ctr task exec`): what it holds while it never goes
 * quiet. Each subject's first container, the subjects one after the other (their order rotating per call).
 */
export async function measureBurst(
  subjects: Subject[],
  idsBySubject: ReadonlyMap<string, string[]>,
  pidsBySubject: ReadonlyMap<string, number[]>,
  execs: number,
): Promise<Map<string, BurstMemory>> {
  const out = new Map<string, BurstMemory>();
  for (const s of subjects) {
    const id = idsBySubject.get(s.key)![0]!;
    const pid = pidsBySubject.get(s.key)![0]!;
    const privateKiB: number[] = [];
    const execMs: number[] = [];
    await sleep(3_000); // from a settled shim: the round-robin's last execs are past the idle reduction
    const sampler = setInterval(() => privateKiB.push(readDirtyMemory(pid).private), BURST_SAMPLE_MS);
    const cpu0 = cpuMs(pid);
    try {
      for (let i = 0; i < execs; i++) execMs.push(await execIn(s.daemon, id));
    } finally {
      clearInterval(sampler);
    }
    out.set(s.key, { execs, privateKiB, shimCpuMsPerExec: (cpuMs(pid) - cpu0) / execs, execMs });
  }
  return out;
}
