// "A chatty container costs the shim no memory": a container writes hundreds of MB to stdout through
// `ctr run --rm`, and the bench reads ctr's stdout as fast as it can or at a fixed pace. For each shim: its
// private memory while copying and once the output ended, its CPU time, and the throughput the reader got.
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cpuMs } from '../lib/cpu.ts';
import { interference, sleep } from '../lib/ctr.ts';
import { interleaved } from '../lib/interleave.ts';
import { openPipe, readPaced } from '../lib/paced-reader.ts';
import type { OutputCopyRunResult } from '../lib/results.ts';
import { commandLine, parentPid, readDirtyMemory, type DirtyMemoryKiB } from '../lib/smaps.ts';
import { median } from '../lib/stats.ts';
import type { Subject } from '../lib/subjects.ts';

const MB = 1_000_000;

export interface OutputCase {
  key: string;
  label: string;
  bytes: number;
  /** the reader's pace in bytes per second; undefined: as fast as it can */
  rate?: number;
}

/** `mb`: what the container writes when read as fast as possible and at 50 MB/s. At 5 MB/s that would take
 *  minutes per run: a fifth of it there. */
export function outputCases(mb: number): OutputCase[] {
  const small = Math.max(1, Math.round(mb / 5));
  return [
    { key: 'fast', label: `as fast as it can, ${mb} MB`, bytes: mb * MB },
    { key: '50MBps', label: `50 MB/s, ${mb} MB`, bytes: mb * MB, rate: 50 * MB },
    { key: '5MBps', label: `5 MB/s, ${small} MB`, bytes: small * MB, rate: 5 * MB },
  ];
}

/** what the container runs: busybox `head -c` writes 4 KiB at a time, a chatty writer */
export const generator = 'head -c <bytes> /dev/zero';

/** The container waits before writing, so that both shims are idle when the output begins (tsshim gives back its
 *  start-up garbage after 2 s without requests, src/shim/boot/idle-memory.ts): the peak is then what copying adds
 *  to an idle shim, not what a shim holds in its first seconds, which the memory scenario measures. */
export const LEAD_S = 3;
/** and after, so the shim still runs when the settled samples are taken */
export const TAIL_S = 5;
const SAMPLE_MS = 100;
/** settled: the median of samples taken this long after the last byte reached the reader */
const SETTLED_AT_MS = [2_000, 2_500, 3_000];
const FIND_SHIM_MS = 60_000;

/** The shim serving a task: the parent of its init once runc has handed it over (runc create is the parent
 *  before), found through the pid file runc writes in the bundle. Quicker than `ctr task ls` + `PPid`. */
async function findShim(subject: Subject, id: string, exited: () => boolean): Promise<number> {
  const bundle = join(subject.daemon.state, 'io.containerd.runtime.v2.task', subject.daemon.namespace, id);
  const deadline = Date.now() + FIND_SHIM_MS;
  while (Date.now() < deadline && !exited()) {
    try {
      const parent = parentPid(Number(readFileSync(join(bundle, 'init.pid'), 'utf8')));
      const exe = basename(readlinkSync(`/proc/${parent}/exe`));
      if (exe === 'containerd-shim-runc-v2' || exe.startsWith('node')) return parent;
      if (!exe.startsWith('runc'))
        throw new Error(`${id}: init's parent ${parent} is ${commandLine(parent)}`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ESRCH') throw err;
    }
    await sleep(20);
  }
  throw new Error(`${subject.key}: no shim found for ${id}${exited() ? ' (ctr exited)' : ''}`);
}

/** Samples a process's memory on a timer; the peak counts from the last reset. */
class MemorySampler {
  last: DirtyMemoryKiB;
  peak: DirtyMemoryKiB;
  count = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.last = readDirtyMemory(pid);
    this.peak = this.last;
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  sample(): void {
    try {
      this.last = readDirtyMemory(this.pid);
    } catch {
      return; // the shim is gone: what was sampled stands
    }
    this.count += 1;
    this.peak = {
      rss: Math.max(this.peak.rss, this.last.rss),
      pss: Math.max(this.peak.pss, this.last.pss),
      private: Math.max(this.peak.private, this.last.private),
      privateDirty: Math.max(this.peak.privateDirty, this.last.privateDirty),
    };
  }

  resetPeak(): void {
    this.peak = this.last;
    this.count = 0;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

async function settledMemory(pid: number): Promise<{ private: number; privateDirty: number }> {
  const samples: DirtyMemoryKiB[] = [];
  let waited = 0;
  for (const at of SETTLED_AT_MS) {
    await sleep(at - waited);
    waited = at;
    samples.push(readDirtyMemory(pid));
  }
  return {
    private: median(samples.map((m) => m.private)),
    privateDirty: median(samples.map((m) => m.privateDirty)),
  };
}

function ctrArgs(subject: Subject, id: string, c: OutputCase): string[] {
  const script = `sleep ${LEAD_S}; ${generator.replace('<bytes>', String(c.bytes))}; sleep ${TAIL_S}`;
  const d = subject.daemon;
  return [
    '--address',
    d.address,
    '--namespace',
    d.namespace,
    'run',
    '--rm',
    subject.image,
    id,
    'sh',
    '-c',
    script,
  ];
}

/** Removes what a failed run may have left (the container, its task), so later runs start clean. */
async function removeContainer(subject: Subject, id: string): Promise<void> {
  await subject.daemon.ctr(['task', 'kill', '-s', 'SIGKILL', id], { timeoutMs: 10_000 });
  await sleep(500);
  await subject.daemon.ctr(['task', 'delete', id], { timeoutMs: 10_000 });
  await subject.daemon.ctr(['container', 'rm', id], { timeoutMs: 10_000 });
}

async function copyOnce(subject: Subject, c: OutputCase, id: string): Promise<OutputCopyRunResult> {
  const pipe = openPipe();
  const child = spawn(subject.daemon.binaries.ctr, ctrArgs(subject, id, c), {
    stdio: ['ignore', pipe.writeFd, 'pipe'],
  });
  pipe.closeWriteEnd();
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  let exitedWith: string | undefined;
  const exited = new Promise<string>((resolve) => {
    child.on('error', (err) => resolve((exitedWith = `spawn failed: ${err.message}`)));
    child.on('close', (code, signal) => resolve((exitedWith = String(code ?? signal))));
  });
  // the reader at 1/3 of its pace (or 20 MB/s) would still finish
  const timeoutMs = (c.bytes / Math.min(c.rate ?? 20 * MB, 20 * MB)) * 3_000 + 120_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  let sampler: MemorySampler | undefined;
  try {
    const shim = await findShim(subject, id, () => exitedWith !== undefined);
    sampler = new MemorySampler(shim);
    const s = sampler;
    let before: DirtyMemoryKiB | undefined;
    let cpuAtFirst = Number.NaN;
    let cpuAtLast = Number.NaN;
    let peak: DirtyMemoryKiB | undefined;
    let samples = 0;
    let settled: ReturnType<typeof settledMemory> | undefined;
    const read = await readPaced(pipe.readFd, {
      expected: c.bytes,
      rate: c.rate,
      onFirstByte() {
        before = s.last;
        cpuAtFirst = cpuMs(shim);
        s.resetPeak();
      },
      onAllBytes() {
        cpuAtLast = cpuMs(shim);
        s.sample();
        s.stop();
        peak = s.peak;
        samples = s.count;
        settled = settledMemory(shim);
        settled.catch(() => undefined); // awaited below; the shim's early exit is reported there
      },
    });
    const status = await exited;
    if (status !== '0' || read.total !== c.bytes || !before || !peak || !settled) {
      throw new Error(
        `${subject.key}: ctr ${ctrArgs(subject, id, c).slice(4).join(' ')}: exit ${status}, ` +
          `${read.total}/${c.bytes} bytes read: ${stderr}`,
      );
    }
    const cpu = cpuAtLast - cpuAtFirst;
    const after = await settled;
    return {
      bytes: c.bytes,
      mbPerSecond: read.bytesPerSecond / MB,
      beforePrivateKiB: before.private,
      beforePrivateDirtyKiB: before.privateDirty,
      peakPrivateKiB: peak.private,
      peakPrivateDirtyKiB: peak.privateDirty,
      peakRssKiB: peak.rss,
      settledPrivateKiB: after.private,
      settledPrivateDirtyKiB: after.privateDirty,
      cpuMs: cpu,
      cpuMsPerGB: cpu / (c.bytes / 1e9),
      memorySamples: samples,
    };
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    await removeContainer(subject, id);
    const msg = err instanceof Error ? err.message : String(err);
    throw stderr && !msg.includes(stderr) ? new Error(`${msg}; ctr: ${stderr.trim()}`, { cause: err }) : err;
  } finally {
    clearTimeout(timer);
    sampler?.stop();
    pipe.close();
  }
}

/** Other harnesses on the machine may remove ctr's FIFO dir under it (lib/ctr.ts): such a run is repeated. */
async function copyRetrying(subject: Subject, c: OutputCase, id: string): Promise<OutputCopyRunResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await copyOnce(subject, c, `${id}-${attempt}`);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (attempt >= 2 || !(/fifo/i.test(msg) && /ENOENT|no such file/i.test(msg))) throw err;
      interference.retries += 1;
    }
  }
}

/** Runs per case, then per subject: every round runs each (case, subject) pair once, in rotating order. */
export async function measureOutputCopy(
  subjects: Subject[],
  cases: OutputCase[],
  rounds: number,
  onRun: (what: string, run: OutputCopyRunResult) => void,
): Promise<Map<string, Map<string, OutputCopyRunResult[]>>> {
  const pairs = cases.flatMap((c) => subjects.map((s) => ({ key: `${c.key}/${s.key}`, c, s })));
  const runs = await interleaved(pairs, rounds, async ({ key, c, s }, round) => {
    const run = await copyRetrying(s, c, `out-${c.key.toLowerCase()}-${s.key}-${round}`);
    onRun(key, run);
    return run;
  });
  return new Map(
    cases.map((c) => [c.key, new Map(subjects.map((s) => [s.key, runs.get(`${c.key}/${s.key}`)!]))]),
  );
}
