// The shape of bench/results/*.json, and the figures derived from raw samples.
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

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

export function toRecord<V, W>(map: Map<string, V>, f: (v: V) => W): Record<string, W> {
  return Object.fromEntries([...map].map(([k, v]) => [k, f(v)]));
}
