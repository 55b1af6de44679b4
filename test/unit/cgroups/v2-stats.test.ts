// v2 metrics from a fixture tree: lenient reads ("max", missing files), PSI, io.stat, rdma, hugetlb.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadCgroupOfPid, METRICS_V2 } from '../../../src/cgroups/index.ts';
import { copyFixture, decodeExact, FIXTURE_PID } from './helpers.ts';

const tree = copyFixture('v2');
after(() => tree.remove());
const opts = { root: tree.root, procRoot: tree.procRoot, hugepagesDir: tree.hugepagesDir };

async function metrics(): Promise<Record<string, any>> {
  const any = await loadCgroupOfPid(FIXTURE_PID, opts).stats();
  assert.equal(any.type_url, METRICS_V2);
  return decodeExact(METRICS_V2, any.value);
}

describe('cgroup v2 stats', () => {
  test('is a v2 cgroup', () => {
    assert.equal(loadCgroupOfPid(FIXTURE_PID, opts).version, 2);
  });

  test('pids and cpu (with throttling, bursts and pressure)', async () => {
    const m = await metrics();
    assert.deepEqual(m.pids, { current: '2', limit: '100' });
    assert.deepEqual(m.cpu, {
      usage_usec: '51234',
      user_usec: '41234',
      system_usec: '10000',
      nr_periods: '10',
      nr_throttled: '2',
      throttled_usec: '777',
      nr_bursts: '1',
      burst_usec: '5',
      psi: { some: { avg10: 1.5, avg60: 0.25, total: '12345' }, full: {} },
    });
  });

  test('memory: stat breakdown, usage, limit, swap ("max" is UINT64_MAX), peak; memory events', async () => {
    const m = await metrics();
    assert.equal(m.memory.anon, '1048576');
    assert.equal(m.memory.slab, '8192');
    assert.equal(m.memory.slab_unreclaimable, '6144');
    assert.equal(m.memory.pgmajfault, '2');
    assert.equal(m.memory.usage, '1200128');
    assert.equal(m.memory.usage_limit, '67108864');
    assert.equal(m.memory.swap_limit, '18446744073709551615');
    assert.equal(m.memory.swap_usage, undefined);
    assert.equal(m.memory.max_usage, '3000000');
    assert.equal(m.memory.psi, undefined, 'no memory.pressure file, no psi');
    assert.deepEqual(m.memory_events, { max: '4', oom: '2', oom_kill: '1' });
  });

  test('io, rdma and hugetlb', async () => {
    const m = await metrics();
    assert.deepEqual(m.io.usage, [
      { major: '254', rbytes: '4096', wbytes: '8192', rios: '1', wios: '2' },
      { major: '254', minor: '16', rbytes: '1', rios: '1' },
    ]);
    assert.deepEqual(m.rdma, {
      current: [{ device: 'mlx4_0', hca_handles: 2, hca_objects: 2000 }],
      limit: [{ device: 'mlx4_0', hca_handles: 4294967295, hca_objects: 10000 }],
    });
    assert.deepEqual(m.hugetlb, [
      { pagesize: '1GB' },
      { pagesize: '2MB', current: '2097152', max: '18446744073709551615', failcnt: '5' },
    ]);
  });

  test('missing files read as zero, and no memory_events without memory.events', async () => {
    const dir = join(tree.root, 'default', 'c1');
    rmSync(join(dir, 'memory.events'));
    rmSync(join(dir, 'pids.current'));
    const m = await metrics();
    assert.equal(m.memory_events, undefined);
    assert.deepEqual(m.pids, { limit: '100' });
  });
});
