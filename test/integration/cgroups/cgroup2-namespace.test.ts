// A real cgroup2 mount, over /sys/fs/cgroup in a private mount namespace (this host runs cgroup v1 with an
// empty unified hierarchy): placement, loading, v2 stats and the OOM watch on the module's default paths.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const name = `tsshim-cg2-${randomBytes(4).toString('hex')}`;
const canUnshare = spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']).status === 0;

after(() => {
  // the same hierarchy is the host's /sys/fs/cgroup/unified: remove the probe's cgroup if it was left
  const leftover = join('/sys/fs/cgroup/unified', name);
  if (existsSync(leftover)) rmdirSync(leftover);
});

test(
  'cgroup v2 on a real cgroup2 mount in a private mount namespace',
  { skip: !canUnshare && 'unshare not permitted', timeout: 60_000 },
  () => {
    const script = `mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$0" --import tsx ${join(here, 'cgroup2-probe.ts')} ${name}`;
    const res = spawnSync(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', '-c', script, process.execPath],
      {
        cwd: repo,
        encoding: 'utf8',
        timeout: 50_000,
      },
    );
    assert.equal(res.status, 0, `probe failed: ${res.stderr}`);
    const out = JSON.parse(res.stdout) as {
      unified: boolean;
      procLine: string;
      version: number;
      typeUrl: string;
      metrics: { pids?: object; cpu?: { usage_usec: number }; memory?: object; memory_events?: object };
      logged: string[];
      problems: string[];
    };
    assert.equal(out.unified, true);
    assert.match(out.procLine, new RegExp(`^0::/${name}$`, 'm'), 'moveProcessToCgroup placed the process');
    assert.equal(out.version, 2);
    assert.equal(out.typeUrl, 'io.containerd.cgroups.v2.Metrics');
    assert.ok(
      out.metrics.pids && out.metrics.cpu && out.metrics.memory,
      'pids, cpu and memory are always present',
    );
    assert.equal(
      out.metrics.memory_events,
      null,
      'the memory controller is bound to v1 here: no memory.events',
    );
    assert.deepEqual(out.logged, ['oom watch: no memory.events (memory controller not enabled?)']);
    assert.deepEqual(out.problems, [], 'no controllers to enable, nothing written');
    assert.equal(existsSync(join('/sys/fs/cgroup/unified', name)), false, 'the probe removed its cgroup');
  },
);
