// io.containerd.cgroups.v1.Metrics as containerd's cgroups library (cgroup1) fills it for the Go shim, which
// collects with IgnoreNotExist: a subsystem whose files are missing is left out, others still count.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hugePageSizes } from './hugepages.ts';
import type { V1Location, V1Subsystem } from './paths.ts';
import { isNotFound, parseKeyValues, readOptional, u64, type U64 } from './values.ts';

export interface StatOptions {
  procRoot?: string;
  hugepagesDir?: string;
}

type Msg = Record<string, unknown>;

/** USER_HZ, which cpuacct.stat counts in; the Go library assumes 100 as well */
const CLOCK_TICKS = 100n;

function readU64(path: string): U64 {
  return u64(readFileSync(path, 'utf8'));
}

function readKV(path: string): Map<string, U64> {
  return parseKeyValues(readFileSync(path, 'utf8'), path);
}

function ticksToNs(v: U64 | undefined): U64 {
  const ns = (BigInt(v ?? 0) * 1_000_000_000n) / CLOCK_TICKS;
  return ns <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ns) : ns.toString();
}

function pids(dir: string, m: Msg): void {
  const current = readU64(join(dir, 'pids.current'));
  const max = readFileSync(join(dir, 'pids.max'), 'utf8').trim();
  m.pids = { current, limit: max === 'max' ? 0 : u64(max) };
}

function cpu(dir: string, m: Msg): void {
  const kv = readKV(join(dir, 'cpu.stat'));
  const throttling = (m.cpu as Msg).throttling as Msg;
  throttling.periods = kv.get('nr_periods') ?? 0;
  throttling.throttled_periods = kv.get('nr_throttled') ?? 0;
  throttling.throttled_time = kv.get('throttled_time') ?? 0;
}

function cpuacct(dir: string, m: Msg): void {
  const stat = readKV(join(dir, 'cpuacct.stat'));
  const total = readU64(join(dir, 'cpuacct.usage'));
  const perCpu = readFileSync(join(dir, 'cpuacct.usage_percpu'), 'utf8')
    .trim()
    .split(/\s+/)
    .filter((s) => s !== '')
    .map(u64);
  const usage = (m.cpu as Msg).usage as Msg;
  usage.total = total;
  usage.user = ticksToNs(stat.get('user'));
  usage.kernel = ticksToNs(stat.get('system'));
  usage.per_cpu = perCpu;
}

const MEMORY_STAT_KEYS: [field: string, key: string][] = [
  ['cache', 'cache'],
  ['rss', 'rss'],
  ['rss_huge', 'rss_huge'],
  ['mapped_file', 'mapped_file'],
  ['dirty', 'dirty'],
  ['writeback', 'writeback'],
  ['pg_pg_in', 'pgpgin'],
  ['pg_pg_out', 'pgpgout'],
  ['pg_fault', 'pgfault'],
  ['pg_maj_fault', 'pgmajfault'],
  ['inactive_anon', 'inactive_anon'],
  ['active_anon', 'active_anon'],
  ['inactive_file', 'inactive_file'],
  ['active_file', 'active_file'],
  ['unevictable', 'unevictable'],
  ['hierarchical_memory_limit', 'hierarchical_memory_limit'],
  ['hierarchical_swap_limit', 'hierarchical_memsw_limit'],
  ['total_cache', 'total_cache'],
  ['total_rss', 'total_rss'],
  ['total_rss_huge', 'total_rss_huge'],
  ['total_mapped_file', 'total_mapped_file'],
  ['total_dirty', 'total_dirty'],
  ['total_writeback', 'total_writeback'],
  ['total_pg_pg_in', 'total_pgpgin'],
  ['total_pg_pg_out', 'total_pgpgout'],
  ['total_pg_fault', 'total_pgfault'],
  ['total_pg_maj_fault', 'total_pgmajfault'],
  ['total_inactive_anon', 'total_inactive_anon'],
  ['total_active_anon', 'total_active_anon'],
  ['total_inactive_file', 'total_inactive_file'],
  ['total_active_file', 'total_active_file'],
  ['total_unevictable', 'total_unevictable'],
];

const MEMORY_ENTRIES: [field: string, module: string][] = [
  ['usage', ''],
  ['swap', 'memsw'],
  ['kernel', 'kmem'],
  ['kernel_tcp', 'kmem.tcp'],
];

function memory(dir: string, m: Msg): void {
  const raw = readKV(join(dir, 'memory.stat'));
  const stat: Msg = {};
  for (const [field, key] of MEMORY_STAT_KEYS) stat[field] = raw.get(key) ?? 0;
  const entries: Record<string, Msg> = {};
  for (const [field] of MEMORY_ENTRIES) entries[field] = {};
  Object.assign(stat, entries);
  m.memory = stat;
  const oom = readKV(join(dir, 'memory.oom_control'));
  m.memory_oom_control = {
    oom_kill_disable: oom.get('oom_kill_disable') ?? 0,
    under_oom: oom.get('under_oom') ?? 0,
    oom_kill: oom.get('oom_kill') ?? 0,
  };
  for (const [field, module] of MEMORY_ENTRIES) {
    const prefix = module === '' ? 'memory.' : `memory.${module}.`;
    // swap accounting is optional (the library's OptionalSwap): no memsw files, no swap entry values
    if (module === 'memsw' && readOptional(join(dir, `${prefix}usage_in_bytes`)) === undefined) continue;
    const entry = entries[field]!;
    entry.usage = readU64(join(dir, `${prefix}usage_in_bytes`));
    entry.max = readU64(join(dir, `${prefix}max_usage_in_bytes`));
    entry.failcnt = readU64(join(dir, `${prefix}failcnt`));
    entry.limit = readU64(join(dir, `${prefix}limit_in_bytes`));
  }
}

/** /proc/partitions: "major minor #blocks name" → /dev/<name> */
function blockDevices(procRoot: string): Map<string, string> {
  const devices = new Map<string, string>();
  const text = readFileSync(join(procRoot, 'partitions'), 'utf8');
  for (const line of text.split('\n').slice(2)) {
    const f = line.trim().split(/\s+/);
    if (f.length === 4) devices.set(`${f[0]}:${f[1]}`, `/dev/${f[3]}`);
  }
  return devices;
}

function blkioEntries(path: string, devices: Map<string, string>): Msg[] {
  const entries: Msg[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const f = line.split(/[ :]/).filter((s) => s !== '');
    if (f.length < 3) {
      if (f.length === 2 && f[0] === 'Total') continue;
      throw new Error(`invalid line found while parsing ${path}: ${line}`);
    }
    const op = f.length === 4 ? f[2]! : '';
    entries.push({
      op,
      device: devices.get(`${f[0]}:${f[1]}`) ?? '',
      major: u64(f[0]!),
      minor: u64(f[1]!),
      value: u64(f[f.length === 4 ? 3 : 2]!),
    });
  }
  return entries;
}

const BLKIO_RECURSIVE: [field: string, file: string][] = [
  ['sectors_recursive', 'sectors_recursive'],
  ['io_service_bytes_recursive', 'io_service_bytes_recursive'],
  ['io_serviced_recursive', 'io_serviced_recursive'],
  ['io_queued_recursive', 'io_queued_recursive'],
  ['io_service_time_recursive', 'io_service_time_recursive'],
  ['io_wait_time_recursive', 'io_wait_time_recursive'],
  ['io_merged_recursive', 'io_merged_recursive'],
  ['io_time_recursive', 'time_recursive'],
];

const BLKIO_THROTTLE: [field: string, file: string][] = [
  ['io_serviced_recursive', 'throttle.io_serviced'],
  ['io_service_bytes_recursive', 'throttle.io_service_bytes'],
];

function blkio(dir: string, m: Msg, procRoot: string): void {
  const stat: Msg = {};
  m.blkio = stat;
  const devices = blockDevices(procRoot);
  // CFQ/BFQ-era files first; when they hold nothing the devices are not scheduled that way: use throttle.*
  let size = 0;
  if (readOptional(join(dir, 'blkio.io_serviced_recursive')) !== undefined) {
    for (const [field, file] of BLKIO_RECURSIVE) {
      const entries = blkioEntries(join(dir, `blkio.${file}`), devices);
      stat[field] = entries;
      size += entries.length;
    }
  }
  if (size > 0) return;
  for (const [field, file] of BLKIO_THROTTLE) stat[field] = blkioEntries(join(dir, `blkio.${file}`), devices);
}

function hugetlb(dir: string, m: Msg, hugepagesDir: string | undefined): void {
  const stats: Msg[] = [];
  for (const size of hugePageSizes(hugepagesDir)) {
    const file = (name: string): string => join(dir, `hugetlb.${size}.${name}`);
    stats.push({
      pagesize: size,
      usage: readU64(file('usage_in_bytes')),
      max: readU64(file('max_usage_in_bytes')),
      failcnt: readU64(file('failcnt')),
    });
  }
  m.hugetlb = stats;
}

/** rdma.current / rdma.max lines: "<device> hca_handle=<n|max> hca_object=<n|max>" */
export function parseRdma(text: string | undefined): Msg[] {
  if (text === undefined) return [];
  const entries: Msg[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3 || f[0] === '') continue;
    const entry: Msg = { device: f[0] };
    for (const kv of f.slice(1)) {
      const [k, v] = kv.split('=');
      const n = v === 'max' ? 4294967295 : Number(v);
      if (!Number.isInteger(n)) continue;
      if (k === 'hca_handle') entry.hca_handles = n;
      else if (k === 'hca_object') entry.hca_objects = n;
    }
    entries.push(entry);
  }
  return entries;
}

function rdma(dir: string, m: Msg): void {
  m.rdma = {
    current: parseRdma(readOptional(join(dir, 'rdma.current'))),
    limit: parseRdma(readOptional(join(dir, 'rdma.max'))),
  };
}

/** The metrics message (protobuf field names) for a v1 cgroup. */
export function statV1(loc: V1Location, opts: StatOptions = {}): Msg {
  const m: Msg = { cpu: { usage: {}, throttling: {} } };
  const procRoot = opts.procRoot ?? '/proc';
  const collectors: [V1Subsystem, (dir: string) => void][] = [
    ['hugetlb', (d) => hugetlb(d, m, opts.hugepagesDir)],
    ['pids', (d) => pids(d, m)],
    ['cpu', (d) => cpu(d, m)],
    ['cpuacct', (d) => cpuacct(d, m)],
    ['memory', (d) => memory(d, m)],
    ['blkio', (d) => blkio(d, m, procRoot)],
    ['rdma', (d) => rdma(d, m)],
  ];
  for (const [subsystem, collect] of collectors) {
    const dir = loc.dirs.get(subsystem);
    if (dir === undefined) continue;
    try {
      collect(dir);
    } catch (err) {
      // IgnoreNotExist: a subsystem gone (or never there) is skipped; anything else is a real failure
      if (!isNotFound(err)) throw err;
    }
  }
  return m;
}
