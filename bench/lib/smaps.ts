// Memory of a process as the kernel accounts it: RSS counts shared pages in full (the node binary's ~30 MB
// text in every Node process), PSS divides them among the sharers, private is what the process alone costs.
import { readFileSync } from 'node:fs';

export interface MemoryKiB {
  rss: number;
  pss: number;
  /** Private_Clean + Private_Dirty */
  private: number;
}

/** a field of /proc/<pid>/smaps_rollup, in KiB */
function rollup(pid: number): (name: string) => number {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return (name) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!m) throw new Error(`/proc/${pid}/smaps_rollup: no ${name}`);
    return Number(m[1]);
  };
}

export interface DirtyMemoryKiB extends MemoryKiB {
  /** pages the process wrote and alone maps (heap, stacks, buffers): what work costs it. Private_Clean also
   *  holds a binary's text when no other process maps that binary, as with one Go shim running alone. */
  privateDirty: number;
}

export function readDirtyMemory(pid: number): DirtyMemoryKiB {
  const field = rollup(pid);
  const privateDirty = field('Private_Dirty');
  return {
    rss: field('Rss'),
    pss: field('Pss'),
    private: field('Private_Clean') + privateDirty,
    privateDirty,
  };
}

export function readMemory(pid: number): MemoryKiB {
  const { rss, pss, private: priv } = readDirtyMemory(pid);
  return { rss, pss, private: priv };
}

export function sumMemory(all: readonly MemoryKiB[]): MemoryKiB {
  return all.reduce((a, m) => ({ rss: a.rss + m.rss, pss: a.pss + m.pss, private: a.private + m.private }), {
    rss: 0,
    pss: 0,
    private: 0,
  });
}

/** Field-wise median of several samples (memory settles in steps: GC, lazily freed arenas). */
export function medianMemory(samples: readonly MemoryKiB[]): MemoryKiB {
  const mid = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  return {
    rss: mid(samples.map((s) => s.rss)),
    pss: mid(samples.map((s) => s.pss)),
    private: mid(samples.map((s) => s.private)),
  };
}

export function parentPid(pid: number): number {
  const m = /^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`/proc/${pid}/status: no PPid`);
  return Number(m[1]);
}

export function commandLine(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
}
