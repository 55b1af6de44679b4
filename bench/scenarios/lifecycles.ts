// Container lifecycles under concurrency: N `ctr run --rm /bin/true`, a few at a time, against one containerd.
// What a busy node pays for each container: the wall time of the whole batch, and the CPU time of every shim
// process involved (start, daemon or spare, delete, and the runc calls they make), from the containerd's cpuacct
// group (lib/cpuacct.ts) once all of them have exited or gone idle.
import { isSpare, listProcesses } from '../../test/helpers/cleanup.ts';
import { sleep, timeCtr } from '../lib/ctr.ts';
import { interleaved } from '../lib/interleave.ts';
import type { Subject } from '../lib/subjects.ts';

export interface LifecycleBatch {
  containers: number;
  concurrency: number;
  wallMs: number;
  /** the shims' CPU (group usage minus containerd's own) per container; undefined without cpuacct */
  shimCpuMsPerContainer: number | undefined;
  /** containerd's own CPU per container (it serves every shim alike; not part of the shim's cost) */
  containerdCpuMsPerContainer: number | undefined;
}

/** how long the shim processes' CPU must stay flat before a batch counts as finished */
const QUIET_WINDOW_MS = 500;
/** CPU the group may use within a quiet window (idle shims of running containers, a spare's timers) */
const QUIET_CPU_MS = 5;
const QUIET_TIMEOUT_MS = 30_000;

/** Waits until the processes of a batch are gone (containerd runs `delete` after ctr has returned, the last start
 *  boots a spare) and the group's CPU is flat: what remains is what ran before the batch, and spares. */
async function quiet(subject: Subject, before: ReadonlySet<number>): Promise<void> {
  const cpu = subject.cpu;
  if (!cpu) return sleep(2_000);
  const deadline = Date.now() + QUIET_TIMEOUT_MS;
  let last = cpu.snapshot();
  for (;;) {
    await sleep(QUIET_WINDOW_MS);
    const now = cpu.snapshot();
    const used = now.groupMs - now.containerdMs - (last.groupMs - last.containerdMs);
    last = now;
    const spares = new Set(
      listProcesses()
        .filter(isSpare)
        .map((p) => p.pid),
    );
    const busy = cpu.others().filter((p) => !before.has(p) && !spares.has(p));
    if ((busy.length === 0 && used < QUIET_CPU_MS) || Date.now() > deadline) return;
  }
}

async function batch(
  subject: Subject,
  round: number,
  containers: number,
  concurrency: number,
): Promise<LifecycleBatch> {
  const cpu = subject.cpu;
  const running = new Set(cpu?.others() ?? []);
  await quiet(subject, running);
  const before = cpu?.snapshot();
  let next = 0;
  let retry = 0;
  const args = (i: number, attempt = 0): string[] => [
    'run',
    '--rm',
    subject.image,
    `lc-${subject.key}-${round}-${i}${attempt > 0 ? `-r${attempt}` : ''}`,
    '/bin/true',
  ];
  const worker = async (): Promise<void> => {
    while (next < containers) {
      const i = next++;
      await timeCtr(subject.daemon, args(i), () => args(i, ++retry));
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = performance.now() - t0;
  await quiet(subject, running);
  const after = cpu?.snapshot();
  const perContainer = (x: number): number => x / containers;
  return {
    containers,
    concurrency,
    wallMs,
    shimCpuMsPerContainer:
      before && after
        ? perContainer(after.groupMs - after.containerdMs - (before.groupMs - before.containerdMs))
        : undefined,
    containerdCpuMsPerContainer:
      before && after ? perContainer(after.containerdMs - before.containerdMs) : undefined,
  };
}

export function measureLifecycles(
  subjects: Subject[],
  rounds: number,
  containers: number,
  concurrency: number,
  onBatch: (subject: Subject, b: LifecycleBatch) => void,
): Promise<Map<string, LifecycleBatch[]>> {
  return interleaved(subjects, rounds, async (s, round) => {
    const b = await batch(s, round, containers, concurrency);
    onBatch(s, b);
    return b;
  });
}
