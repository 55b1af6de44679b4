// The spare: one idle, pre-booted daemon per containerd, owned by no container. Its memory is the price of
// taking the daemon's boot off the path of every container start, paid once per host (per containerd), and is
// shown as such rather than spread over containers or left out.
import { isSpare, listProcesses } from '../../test/helpers/cleanup.ts';
import { sleep } from '../lib/ctr.ts';
import { medianMemory, readMemory, type MemoryKiB } from '../lib/smaps.ts';
import type { Subject } from '../lib/subjects.ts';

/** the spare waiting for this containerd's next sandbox, if one runs */
export function sparePid(subject: Subject): number | undefined {
  return listProcesses().find((p) => isSpare(p) && p.cmdline.endsWith(` -address ${subject.daemon.address}`))
    ?.pid;
}

/** median of three samples a second apart; undefined when the subject runs no spare */
export async function spareMemory(subject: Subject): Promise<MemoryKiB | undefined> {
  const samples: MemoryKiB[] = [];
  for (let i = 0; i < 3; i++) {
    if (i > 0) await sleep(1_000);
    const pid = sparePid(subject);
    if (pid === undefined) return undefined;
    try {
      samples.push(readMemory(pid));
    } catch {
      return undefined; // it left (idle time) or was adopted between the look-up and the read
    }
  }
  return medianMemory(samples);
}
