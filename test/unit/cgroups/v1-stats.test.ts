// v1 metrics from a fixture tree: the Go library's field mapping, unit conversions and skipped subsystems.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCgroupOfPid, METRICS_V1 } from '../../../src/cgroups/index.ts';
import { copyFixture, decodeExact, FIXTURE_PID } from './helpers.ts';

const tree = copyFixture('v1');
after(() => tree.remove());
const opts = { root: tree.root, procRoot: tree.procRoot, hugepagesDir: tree.hugepagesDir };

async function metrics(): Promise<Record<string, any>> {
  const any = await loadCgroupOfPid(FIXTURE_PID, opts).stats();
  assert.equal(any.type_url, METRICS_V1);
  return decodeExact(METRICS_V1, any.value);
}

describe('cgroup v1 stats', () => {
  test('is a v1 cgroup', () => {
    assert.equal(loadCgroupOfPid(FIXTURE_PID, opts).version, 1);
  });

  test('cpu: cpuacct usage (USER_HZ ticks as ns) and cpu.stat throttling', async () => {
    const m = await metrics();
    assert.deepEqual(m.cpu, {
      usage: {
        total: '1812345678',
        user: '1500000000',
        kernel: '250000000',
        per_cpu: ['1000000000', '812345678'],
      },
      throttling: { periods: '120', throttled_periods: '15', throttled_time: '3000000' },
    });
  });

  test('pids: "max" is a limit of 0', async () => {
    assert.deepEqual((await metrics()).pids, { current: '3' });
  });

  test('memory: memory.stat breakdown with renamed keys, usage/swap/kernel entries, oom_control', async () => {
    const m = await metrics();
    assert.equal(m.memory.rss, '1048576');
    assert.equal(m.memory.pg_pg_in, '300');
    assert.equal(m.memory.total_pg_maj_fault, '2');
    assert.equal(m.memory.hierarchical_memory_limit, '67108864');
    assert.equal(m.memory.hierarchical_swap_limit, '9223372036854771712', 'above 2^53, exact');
    assert.deepEqual(m.memory.usage, { limit: '67108864', usage: '1069056', max: '2256896', failcnt: '7' });
    assert.deepEqual(m.memory.swap, { limit: '9223372036854771712', usage: '1069056', max: '2256896' });
    assert.deepEqual(m.memory.kernel, { limit: '9223372036854771712', usage: '245760', max: '503808' });
    assert.deepEqual(m.memory.kernel_tcp, {}, 'a negative limit reads as 0');
    assert.deepEqual(m.memory_oom_control, { oom_kill: '3' });
  });

  test('blkio: throttle files when the recursive ones are absent, devices named from /proc/partitions', async () => {
    const m = await metrics();
    const bytes = m.blkio.io_service_bytes_recursive as Record<string, string>[];
    assert.equal(bytes.length, 6, 'the per-device Total line counts, the grand Total does not');
    assert.deepEqual(bytes[1], { op: 'Write', device: '/dev/vda', major: '254', value: '8192' });
    assert.equal((m.blkio.io_serviced_recursive as unknown[]).length, 6);
  });

  test('blkio: recursive files win when they hold entries', async () => {
    const dir = join(tree.root, 'blkio', 'default', 'c1');
    const names = [
      'sectors',
      'io_service_bytes',
      'io_serviced',
      'io_queued',
      'io_service_time',
      'io_wait_time',
    ];
    for (const n of [...names, 'io_merged', 'time']) writeFileSync(join(dir, `blkio.${n}_recursive`), '');
    writeFileSync(join(dir, 'blkio.io_serviced_recursive'), '254:1 Read 9\nTotal 9\n');
    writeFileSync(join(dir, 'blkio.time_recursive'), '254:1 123\n');
    try {
      const m = await metrics();
      assert.deepEqual(m.blkio.io_serviced_recursive, [
        { op: 'Read', device: '/dev/vda1', major: '254', minor: '1', value: '9' },
      ]);
      assert.deepEqual(m.blkio.io_time_recursive, [
        { device: '/dev/vda1', major: '254', minor: '1', value: '123' },
      ]);
      assert.deepEqual(m.blkio.io_service_bytes_recursive, [], 'no fallback to throttle.*');
    } finally {
      for (const n of [...names, 'io_merged', 'time']) rmSync(join(dir, `blkio.${n}_recursive`));
    }
  });

  test('hugetlb: one entry per page size, named like the cgroup files', async () => {
    assert.deepEqual((await metrics()).hugetlb, [
      { pagesize: '1GB' },
      { pagesize: '2MB', usage: '4194304', max: '6291456', failcnt: '1' },
    ]);
  });

  test('a subsystem whose directory is missing (rdma) or whose files vanished (pids) is left out', async () => {
    const pidsDir = join(tree.root, 'pids', 'default', 'c1');
    rmSync(join(pidsDir, 'pids.current'));
    try {
      const m = await metrics();
      assert.equal(m.rdma, undefined);
      assert.equal(m.pids, undefined);
      assert.ok(m.memory, 'the others still count');
    } finally {
      writeFileSync(join(pidsDir, 'pids.current'), '3\n');
    }
  });
});
