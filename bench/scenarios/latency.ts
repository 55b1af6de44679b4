// End-to-end latencies through ctr: a whole container life (ctr run --rm), an exec in a running container,
// and a large stdout copied by the shim from the container's pipe to ctr's FIFO.
import type { Containerd } from '../../test/helpers/containerd.ts';
import { ctrOk, interference, timeCtr } from '../lib/ctr.ts';
import { interleaved } from '../lib/interleave.ts';
import type { Subject } from '../lib/subjects.ts';

/** Name of the long-running container each subject keeps for exec, stdout, State and growth. */
export const benchContainer = 'bench-sleeper';

export async function startSleeper(subject: Subject): Promise<void> {
  await ctrOk(subject.daemon, ['run', '-d', subject.image, benchContainer, 'sleep', '1000000']);
}

let execCounter = 0;
export function nextExecId(prefix: string): string {
  execCounter += 1;
  return `${prefix}-${execCounter}`;
}

const execTrueArgs = (): string[] => [
  'task',
  'exec',
  '--exec-id',
  nextExecId('true'),
  benchContainer,
  '/bin/true',
];

export function execTrue(daemon: Containerd): Promise<number> {
  // a retry needs a fresh exec id: the failed one may still be registered
  return timeCtr(daemon, execTrueArgs(), execTrueArgs);
}

export function measureRunRm(subjects: Subject[], rounds: number): Promise<Map<string, number[]>> {
  let attempt = 0;
  const args = (s: Subject, round: number): string[] => [
    'run',
    '--rm',
    s.image,
    `run-${s.key}-${round}-${attempt++}`,
    '/bin/true',
  ];
  return interleaved(subjects, rounds, (s, round) => timeCtr(s.daemon, args(s, round), () => args(s, round)));
}

export async function measureExec(subjects: Subject[], rounds: number): Promise<Map<string, number[]>> {
  // one unmeasured exec each: the first pays for loading code paths that later execs reuse
  for (const s of subjects) await execTrue(s.daemon);
  return interleaved(subjects, rounds, (s) => execTrue(s.daemon));
}

/** Time for an exec that writes `bytes` to stdout, all of which must reach ctr's stdout. */
function execStdout(daemon: Containerd, bytes: number): Promise<number> {
  const args = [
    'task',
    'exec',
    '--exec-id',
    nextExecId('out'),
    benchContainer,
    'head',
    '-c',
    String(bytes),
    '/dev/zero',
  ];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = daemon.ctrSpawn(args);
    let received = 0;
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.stdout.on('data', (b: Buffer) => (received += b.length));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdin.end();
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ms = performance.now() - t0;
      clearTimeout(timer);
      if (code !== 0 || received !== bytes) {
        reject(
          new Error(
            `${daemon.shim}: ctr ${args.join(' ')}: exit ${code ?? signal}, ${received}/${bytes} bytes: ${stderr}`,
          ),
        );
      } else resolve(ms);
    });
  });
}

async function execStdoutRetrying(daemon: Containerd, bytes: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await execStdout(daemon, bytes);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (attempt >= 2 || !(/fifo/i.test(msg) && /ENOENT|no such file/i.test(msg))) throw err;
      interference.retries += 1;
    }
  }
}

export async function measureStdout(
  subjects: Subject[],
  rounds: number,
  bytes: number,
): Promise<Map<string, number[]>> {
  for (const s of subjects) await execStdoutRetrying(s.daemon, bytes);
  return interleaved(subjects, rounds, (s) => execStdoutRetrying(s.daemon, bytes));
}
