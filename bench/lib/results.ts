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

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

export function toRecord<V, W>(map: Map<string, V>, f: (v: V) => W): Record<string, W> {
  return Object.fromEntries([...map].map(([k, v]) => [k, f(v)]));
}
