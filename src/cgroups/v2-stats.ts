// io.containerd.cgroups.v2.Metrics as containerd's cgroups library (cgroup2 Manager.Stat) fills it: lenient
// single-value reads (missing → 0, "max" → UINT64_MAX), key-value files merged, PSI where the kernel has it.
import { join } from 'node:path';
import { hugePageSizes } from './hugepages.ts';
import type { V2Location } from './paths.ts';
import { parseRdma } from './v1-stats.ts';
import { parseKeyValues, readOptional, readU64Lenient, u64, type U64 } from './values.ts';

type Msg = Record<string, unknown>;

export interface StatV2Options {
  hugepagesDir?: string;
}

function readKV(dir: string, file: string): Map<string, U64> {
  const text = readOptional(join(dir, file));
  return text === undefined ? new Map() : parseKeyValues(text, join(dir, file));
}

/** "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" / "full ..." */
export function parsePressure(text: string | undefined): Msg | undefined {
  if (text === undefined) return undefined;
  const psi: Msg = {};
  for (const line of text.split('\n')) {
    const [kind, ...pairs] = line.trim().split(/\s+/);
    if (kind !== 'some' && kind !== 'full') continue;
    const data: Msg = {};
    for (const pair of pairs) {
      const [k, v] = pair.split('=');
      if (v === undefined) continue;
      if (k === 'total') data.total = u64(v);
      else if (k === 'avg10' || k === 'avg60' || k === 'avg300') data[k] = Number(v);
    }
    psi[kind] = data;
  }
  return psi;
}

function pressure(dir: string, file: string): Msg | undefined {
  try {
    return parsePressure(readOptional(join(dir, file)));
  } catch {
    return undefined; // pressure files exist but refuse reads when PSI is disabled at boot
  }
}

/** io.stat lines: "<major>:<minor> rbytes=.. wbytes=.. rios=.. wios=.. dbytes=.. dios=.." */
export function parseIoStat(text: string | undefined): Msg[] {
  if (text === undefined) return [];
  const entries: Msg[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 2) continue;
    const dev = /^(\d+):(\d+)$/.exec(f[0]!);
    if (!dev) continue;
    const entry: Msg = { major: u64(dev[1]!), minor: u64(dev[2]!) };
    for (const pair of f.slice(1)) {
      const [k, v] = pair.split('=');
      if (v !== undefined && (k === 'rbytes' || k === 'wbytes' || k === 'rios' || k === 'wios'))
        entry[k] = u64(v);
    }
    entries.push(entry);
  }
  return entries;
}

const MEMORY_STAT_KEYS = [
  'anon',
  'file',
  'kernel_stack',
  'slab',
  'sock',
  'shmem',
  'file_mapped',
  'file_dirty',
  'file_writeback',
  'anon_thp',
  'inactive_anon',
  'active_anon',
  'inactive_file',
  'active_file',
  'unevictable',
  'slab_reclaimable',
  'slab_unreclaimable',
  'pgfault',
  'pgmajfault',
  'workingset_refault',
  'workingset_activate',
  'workingset_nodereclaim',
  'pgrefill',
  'pgscan',
  'pgsteal',
  'pgactivate',
  'pgdeactivate',
  'pglazyfree',
  'pglazyfreed',
  'thp_fault_alloc',
  'thp_collapse_alloc',
];

/** The metrics message (protobuf field names) for a v2 cgroup. */
export function statV2(loc: V2Location, opts: StatV2Options = {}): Msg {
  const dir = loc.dir;
  const file = (name: string): string => join(dir, name);
  const cpuStat = readKV(dir, 'cpu.stat');
  const memStat = readKV(dir, 'memory.stat');
  const events = readKV(dir, 'memory.events');
  const m: Msg = {
    pids: { current: readU64Lenient(file('pids.current')), limit: readU64Lenient(file('pids.max')) },
    cpu: {
      usage_usec: cpuStat.get('usage_usec') ?? 0,
      user_usec: cpuStat.get('user_usec') ?? 0,
      system_usec: cpuStat.get('system_usec') ?? 0,
      nr_periods: cpuStat.get('nr_periods') ?? 0,
      nr_throttled: cpuStat.get('nr_throttled') ?? 0,
      throttled_usec: cpuStat.get('throttled_usec') ?? 0,
      nr_bursts: cpuStat.get('nr_bursts') ?? 0,
      burst_usec: cpuStat.get('burst_usec') ?? 0,
      psi: pressure(dir, 'cpu.pressure'),
    },
    memory: {
      ...Object.fromEntries(MEMORY_STAT_KEYS.map((k) => [k, memStat.get(k) ?? 0])),
      usage: readU64Lenient(file('memory.current')),
      usage_limit: readU64Lenient(file('memory.max')),
      swap_usage: readU64Lenient(file('memory.swap.current')),
      swap_limit: readU64Lenient(file('memory.swap.max')),
      max_usage: readU64Lenient(file('memory.peak')),
      swap_max_usage: readU64Lenient(file('memory.swap.peak')),
      psi: pressure(dir, 'memory.pressure'),
    },
    io: { usage: parseIoStat(readOptional(file('io.stat'))), psi: pressure(dir, 'io.pressure') },
    rdma: {
      current: parseRdma(readOptional(file('rdma.current'))),
      limit: parseRdma(readOptional(file('rdma.max'))),
    },
    hugetlb: hugePageSizes(opts.hugepagesDir).map((size) => ({
      pagesize: size,
      current: readU64Lenient(file(`hugetlb.${size}.current`)),
      max: readU64Lenient(file(`hugetlb.${size}.max`)),
      failcnt: readKV(dir, `hugetlb.${size}.events`).get('max') ?? 0,
    })),
  };
  if (events.size > 0)
    m.memory_events = {
      low: events.get('low') ?? 0,
      high: events.get('high') ?? 0,
      max: events.get('max') ?? 0,
      oom: events.get('oom') ?? 0,
      oom_kill: events.get('oom_kill') ?? 0,
      oom_group_kill: events.get('oom_group_kill') ?? 0,
    };
  return m;
}

/** oom_kill of memory.events, or undefined when the file is gone (cgroup removed) */
export function readOomKill(dir: string): U64 | undefined {
  const text = readOptional(join(dir, 'memory.events'));
  if (text === undefined) return undefined;
  return parseKeyValues(text, join(dir, 'memory.events')).get('oom_kill') ?? 0;
}
