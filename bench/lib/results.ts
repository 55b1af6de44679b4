// The shape of bench/results/*.json, and the figures derived from raw samples.
import type { BurstMemory, BusyMemory } from '../scenarios/busy.ts';
import type { GroupRound } from '../scenarios/group.ts';
import type { LifecycleBatch } from '../scenarios/lifecycles.ts';
import type { MemoryKiB } from './smaps.ts';
import { median, percentile } from './stats.ts';

export interface Series {
  medianMs: number;
  samplesMs: number[];
}

export interface StdoutSeries extends Series {
  bytes: number;
  /** MiB per second over the whole exec (ctr start-up included) */
  mibPerSecond: number;
}

export interface RpcLatency {
  calls: number;
  p50Us: number;
  p99Us: number;
}

export interface MemoryResult {
  containers: number;
  shims: number;
  totalKiB: MemoryKiB;
  perContainerKiB: MemoryKiB;
}

export interface GrowthResult {
  execs: number;
  beforeKiB: MemoryKiB;
  afterKiB: MemoryKiB;
  deltaKiB: MemoryKiB;
  execMedianMs: number;
  execP99Ms: number;
}

/** one `ctr run --rm` whose output the bench read (scenarios/output-copy.ts) */
export interface OutputCopyRunResult {
  bytes: number;
  /** what the reader got, first byte to last, in MB (10^6 bytes) per second */
  mbPerSecond: number;
  /** the shim's private memory (clean + dirty) and Private_Dirty alone just before the output began */
  beforePrivateKiB: number;
  beforePrivateDirtyKiB: number;
  /** the highest samples from the first byte to the last */
  peakPrivateKiB: number;
  peakPrivateDirtyKiB: number;
  peakRssKiB: number;
  /** a few seconds after the last byte, the shim still running */
  settledPrivateKiB: number;
  settledPrivateDirtyKiB: number;
  /** the shim's utime + stime from the first byte to the last */
  cpuMs: number;
  cpuMsPerGB: number;
  memorySamples: number;
}

/** medians over the rounds */
export interface OutputCopyFigures {
  mbPerSecond: number;
  beforePrivateKiB: number;
  beforePrivateDirtyKiB: number;
  peakPrivateKiB: number;
  peakPrivateDirtyKiB: number;
  settledPrivateKiB: number;
  settledPrivateDirtyKiB: number;
  /** Private_Dirty the copy added: peak minus before, per run */
  copyGrowthDirtyKiB: number;
  cpuMsPerGB: number;
}

export interface OutputCopyCaseResult {
  key: string;
  label: string;
  bytes: number;
  /** the reader's pace, MB/s; null: as fast as it can */
  readerMBps: number | null;
  bySubject: Record<string, { median: OutputCopyFigures; runs: OutputCopyRunResult[] }>;
}

export interface OutputCopyResult {
  rounds: number;
  /** what the container runs, after sleeping leadSeconds and before sleeping tailSeconds */
  generator: string;
  leadSeconds: number;
  tailSeconds: number;
  cases: OutputCopyCaseResult[];
}

/** container lifecycles under concurrency (scenarios/lifecycles.ts): medians over the batches */
export interface LifecycleResult {
  containers: number;
  concurrency: number;
  batches: number;
  wallMs: number;
  /** CPU of every shim process (start, daemon or spare, delete, and their runc calls) per container */
  shimCpuMsPerContainer: number | null;
  containerdCpuMsPerContainer: number | null;
  batchWallMs: number[];
  batchShimCpuMsPerContainer: (number | null)[];
}

/** memory while busy (scenarios/busy.ts): over every sample of every shim */
export interface BusyResult {
  shims: number;
  samples: number;
  meanPrivateKiB: number;
  maxPrivateKiB: number;
  meanPrivateDirtyKiB: number;
  maxPrivateDirtyKiB: number;
  execMedianMs: number;
}

/** one shim serving execs back to back (scenarios/busy.ts) */
export interface BurstResult {
  execs: number;
  samples: number;
  meanPrivateKiB: number;
  maxPrivateKiB: number;
  shimCpuMsPerExec: number;
  execMedianMs: number;
}

/** a grouped sandbox's second and third containers (scenarios/group.ts): medians over the rounds */
export interface GroupResult {
  rounds: number;
  firstStartMs: number;
  secondStartMs: number;
  thirdStartMs: number;
  withOneKiB: MemoryKiB;
  /** what the second and the third container added to the shim's settled memory */
  addedBySecondKiB: MemoryKiB;
  addedByThirdKiB: MemoryKiB;
  /** the two together (the idle reduction's threshold moves garbage between the two steps, not out of the sum) */
  addedByBothKiB: MemoryKiB;
  /** the `start` action alone on the running group: median wall and CPU over every probe */
  startActionMs: number;
  startActionCpuMs: number | null;
  startActionProbes: number;
}

export interface StartupResult {
  key: string;
  label: string;
  medianMs: number;
  samplesMs: number[];
}

export interface SubjectInfo {
  key: string;
  label: string;
  lever?: string;
  env?: Record<string, string>;
}

export interface BenchResults {
  meta: {
    startedAt: string;
    finishedAt: string;
    quick: boolean;
    rounds: number;
    /** rounds of the output-copy scenario */
    outputRounds?: number;
    node: string;
    containerd: string;
    cpus: number;
    loadAverageBefore: number[];
    loadAverageAfter: number[];
    /** ctr commands retried because something else on the machine removed their FIFOs */
    interferenceRetries: number;
    /** set when a scenario failed: the results hold what was measured before it */
    error?: string;
  };
  subjects: SubjectInfo[];
  startup?: StartupResult[];
  run?: Record<string, Series>;
  exec?: Record<string, Series>;
  stdout?: Record<string, StdoutSeries>;
  state?: Record<string, RpcLatency>;
  memory?: Record<string, MemoryResult>;
  growth?: Record<string, GrowthResult>;
  lifecycles?: Record<string, LifecycleResult>;
  busy?: Record<string, BusyResult>;
  burst?: Record<string, BurstResult>;
  group?: Record<string, GroupResult>;
  /** the idle spare of each tsshim subject that runs one: once per containerd, not per container */
  spare?: Record<string, MemoryKiB>;
  outputCopy?: OutputCopyResult;
}

export function series(samplesMs: number[]): Series {
  return { medianMs: median(samplesMs), samplesMs: samplesMs.map(round2) };
}

export function rpcLatency(samplesMs: number[]): RpcLatency {
  return {
    calls: samplesMs.length,
    p50Us: Math.round(percentile(samplesMs, 50) * 1000),
    p99Us: Math.round(percentile(samplesMs, 99) * 1000),
  };
}

export function outputCopyFigures(runs: readonly OutputCopyRunResult[]): OutputCopyFigures {
  const mid = (f: (r: OutputCopyRunResult) => number): number => round2(median(runs.map(f)));
  return {
    mbPerSecond: mid((r) => r.mbPerSecond),
    beforePrivateKiB: mid((r) => r.beforePrivateKiB),
    beforePrivateDirtyKiB: mid((r) => r.beforePrivateDirtyKiB),
    peakPrivateKiB: mid((r) => r.peakPrivateKiB),
    peakPrivateDirtyKiB: mid((r) => r.peakPrivateDirtyKiB),
    settledPrivateKiB: mid((r) => r.settledPrivateKiB),
    settledPrivateDirtyKiB: mid((r) => r.settledPrivateDirtyKiB),
    copyGrowthDirtyKiB: mid((r) => r.peakPrivateDirtyKiB - r.beforePrivateDirtyKiB),
    cpuMsPerGB: mid((r) => r.cpuMsPerGB),
  };
}

/** a run as stored: fractions rounded */
export function outputCopyRun(r: OutputCopyRunResult): OutputCopyRunResult {
  return {
    ...r,
    mbPerSecond: round2(r.mbPerSecond),
    cpuMs: round2(r.cpuMs),
    cpuMsPerGB: round2(r.cpuMsPerGB),
  };
}

export function lifecycleResult(batches: readonly LifecycleBatch[]): LifecycleResult {
  const cpu = batches.map((b) => b.shimCpuMsPerContainer);
  const ctd = batches.map((b) => b.containerdCpuMsPerContainer);
  const known = (xs: (number | undefined)[]): number[] => xs.filter((x): x is number => x !== undefined);
  return {
    containers: batches[0]?.containers ?? 0,
    concurrency: batches[0]?.concurrency ?? 0,
    batches: batches.length,
    wallMs: round2(median(batches.map((b) => b.wallMs))),
    shimCpuMsPerContainer: known(cpu).length > 0 ? round2(median(known(cpu))) : null,
    containerdCpuMsPerContainer: known(ctd).length > 0 ? round2(median(known(ctd))) : null,
    batchWallMs: batches.map((b) => round2(b.wallMs)),
    batchShimCpuMsPerContainer: cpu.map((x) => (x === undefined ? null : round2(x))),
  };
}

export function busyResult(b: BusyMemory): BusyResult {
  const mean = (xs: number[]): number => Math.round(xs.reduce((a, x) => a + x, 0) / xs.length);
  return {
    shims: b.shims,
    samples: b.privateKiB.length,
    meanPrivateKiB: mean(b.privateKiB),
    maxPrivateKiB: Math.max(...b.privateKiB),
    meanPrivateDirtyKiB: mean(b.privateDirtyKiB),
    maxPrivateDirtyKiB: Math.max(...b.privateDirtyKiB),
    execMedianMs: round2(median(b.execMs)),
  };
}

export function burstResult(b: BurstMemory): BurstResult {
  return {
    execs: b.execs,
    samples: b.privateKiB.length,
    meanPrivateKiB: Math.round(b.privateKiB.reduce((a, x) => a + x, 0) / b.privateKiB.length),
    maxPrivateKiB: Math.max(...b.privateKiB),
    shimCpuMsPerExec: round2(b.shimCpuMsPerExec),
    execMedianMs: round2(median(b.execMs)),
  };
}

function memoryDelta(a: MemoryKiB, b: MemoryKiB): MemoryKiB {
  return { rss: a.rss - b.rss, pss: a.pss - b.pss, private: a.private - b.private };
}

function medianMemoryOf(xs: MemoryKiB[]): MemoryKiB {
  return {
    rss: Math.round(median(xs.map((x) => x.rss))),
    pss: Math.round(median(xs.map((x) => x.pss))),
    private: Math.round(median(xs.map((x) => x.private))),
  };
}

export function groupResult(rounds: readonly GroupRound[]): GroupResult {
  const mid = (f: (r: GroupRound) => number): number => round2(median(rounds.map(f)));
  const cpu = rounds.flatMap((r) => r.startActionCpuMs);
  return {
    rounds: rounds.length,
    firstStartMs: mid((r) => r.firstStartMs),
    secondStartMs: mid((r) => r.secondStartMs),
    thirdStartMs: mid((r) => r.thirdStartMs),
    withOneKiB: medianMemoryOf(rounds.map((r) => r.withOne)),
    addedBySecondKiB: medianMemoryOf(rounds.map((r) => memoryDelta(r.withTwo, r.withOne))),
    addedByThirdKiB: medianMemoryOf(rounds.map((r) => memoryDelta(r.withThree, r.withTwo))),
    addedByBothKiB: medianMemoryOf(rounds.map((r) => memoryDelta(r.withThree, r.withOne))),
    startActionMs: round2(median(rounds.flatMap((r) => r.startActionMs))),
    startActionCpuMs: cpu.length > 0 ? round2(median(cpu)) : null,
    startActionProbes: rounds.reduce((n, r) => n + r.startActionMs.length, 0),
  };
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

export function toRecord<V, W>(map: Map<string, V>, f: (v: V) => W): Record<string, W> {
  return Object.fromEntries([...map].map(([k, v]) => [k, f(v)]));
}
