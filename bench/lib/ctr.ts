// ctr calls the scenarios share: each one must succeed, or the timing it produced means nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Containerd, CtrResult } from '../../test/helpers/containerd.ts';

export async function ctrOk(daemon: Containerd, args: string[], timeoutMs = 120_000): Promise<CtrResult> {
  const res = await daemon.ctr(args, { timeoutMs });
  if (res.code !== 0 || res.timedOut) {
    throw new Error(
      `ctr ${args.join(' ')} (${daemon.shim}): exit ${res.code}${res.timedOut ? ', timed out' : ''}: ${res.stderr}`,
    );
  }
  return res;
}

/** ctr failures caused by someone else on the machine, retried rather than fatal. */
export const interference = { retries: 0 };

/** Other containerd test harnesses on the machine remove ctr FIFO dirs they think are theirs
 *  (test/helpers/containerd.ts removeOwnFifoDirs), which can catch a FIFO ctr has just made for us. */
function removedFifo(res: CtrResult): boolean {
  return /fifo/i.test(res.stderr) && /ENOENT|no such file/i.test(res.stderr);
}

/** Wall time of one successful ctr command, in ms; an attempt spoiled by interference is retried and not
 *  counted. */
export async function timeCtr(
  daemon: Containerd,
  args: string[],
  retry: (args: string[]) => string[] = (a) => a,
): Promise<number> {
  let attemptArgs = args;
  for (let attempt = 0; ; attempt++) {
    const t0 = performance.now();
    const res = await daemon.ctr(attemptArgs, { timeoutMs: 120_000 });
    const ms = performance.now() - t0;
    if (res.code === 0 && !res.timedOut) return ms;
    if (attempt < 2 && removedFifo(res)) {
      interference.retries += 1;
      attemptArgs = retry(args);
      continue;
    }
    throw new Error(
      `ctr ${attemptArgs.join(' ')} (${daemon.shim}): exit ${res.code}${res.timedOut ? ', timed out' : ''}: ${res.stderr}`,
    );
  }
}

/** The pid of a task's init process, from `ctr task ls`. */
export async function taskPid(daemon: Containerd, id: string): Promise<number> {
  const res = await ctrOk(daemon, ['task', 'ls']);
  for (const line of res.stdout.split('\n').slice(1)) {
    const [task, pid] = line.trim().split(/\s+/);
    if (task === id && pid) return Number(pid);
  }
  throw new Error(`ctr task ls: no task ${id}:\n${res.stdout}`);
}

/** The shim's ttrpc socket path, from what containerd 2.x keeps in the bundle (bootstrap.json; the address
 *  file of 1.x as a fallback). */
export function shimSocketPath(daemon: Containerd, id: string): string {
  const bundle = join(daemon.state, 'io.containerd.runtime.v2.task', daemon.namespace, id);
  let address: string;
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(bundle, 'bootstrap.json'), 'utf8'));
    const value = (parsed as { address?: unknown }).address;
    if (typeof value !== 'string') throw new Error(`${bundle}/bootstrap.json: no address`);
    address = value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    address = readFileSync(join(bundle, 'address'), 'utf8').trim();
  }
  return address.replace(/^unix:\/\//, '');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
