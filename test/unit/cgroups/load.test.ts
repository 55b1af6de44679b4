// Finding a process's cgroup: /proc/<pid>/cgroup parsing, v1 vs v2, and errors a person can act on.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadCgroupOfPid } from '../../../src/cgroups/index.ts';
import { locateCgroup, parseProcCgroup } from '../../../src/cgroups/paths.ts';
import { copyFixture, FIXTURE_PID } from './helpers.ts';

const v1 = copyFixture('v1');
const v2 = copyFixture('v2');
after(() => {
  v1.remove();
  v2.remove();
});

describe('loading the cgroup of a pid', () => {
  test('parses joined controllers, named hierarchies and the unified line', () => {
    assert.deepEqual(parseProcCgroup('3:cpu,cpuacct:/a/b\n10:name=systemd:/a\n0::/x:y\n'), [
      { hierarchy: '3', controllers: ['cpu', 'cpuacct'], path: '/a/b' },
      { hierarchy: '10', controllers: ['name=systemd'], path: '/a' },
      { hierarchy: '0', controllers: [], path: '/x:y' },
    ]);
  });

  test('v1: every subsystem directory that exists, from its own /proc line', () => {
    const loc = locateCgroup(FIXTURE_PID, v1.root, v1.procRoot);
    assert.equal(loc.version, 1);
    if (loc.version !== 1) return;
    assert.deepEqual([...loc.dirs.keys()].sort(), ['blkio', 'cpu', 'cpuacct', 'hugetlb', 'memory', 'pids']);
    assert.equal(loc.dirs.get('cpuacct'), join(v1.root, 'cpuacct', 'default', 'c1'));
  });

  test('v2: the unified path under the root', () => {
    const loc = locateCgroup(FIXTURE_PID, v2.root, v2.procRoot);
    assert.deepEqual(loc, { version: 2, path: '/default/c1', dir: join(v2.root, 'default', 'c1') });
  });

  test('a pid without a /proc entry names the pid and the file', () => {
    assert.throws(
      () => loadCgroupOfPid(999999, { root: v1.root, procRoot: v1.procRoot }),
      /cgroup of pid 999999: .*999999\/cgroup does not exist \(has it exited\?\)/,
    );
  });

  test('v1: no subsystem directory at all says where it looked', () => {
    assert.throws(
      () => loadCgroupOfPid(FIXTURE_PID, { root: join(v1.dir, 'nowhere'), procRoot: v1.procRoot }),
      /none of the cgroup v1 directories of pid 4242 exist under .*nowhere/,
    );
  });

  test('v2: a missing cgroup directory is named', () => {
    const tree = copyFixture('v2');
    try {
      rmSync(join(tree.root, 'default', 'c1'), { recursive: true });
      assert.throws(
        () => loadCgroupOfPid(FIXTURE_PID, { root: tree.root, procRoot: tree.procRoot }),
        /cgroup v2 directory .*default\/c1 of pid 4242 does not exist/,
      );
    } finally {
      tree.remove();
    }
  });

  test('watchOOM on a cgroup that vanished after loading does not throw', () => {
    for (const version of ['v1', 'v2'] as const) {
      const tree = copyFixture(version);
      try {
        const logged: string[] = [];
        const cg = loadCgroupOfPid(FIXTURE_PID, {
          root: tree.root,
          procRoot: tree.procRoot,
          log: (msg) => logged.push(msg),
        });
        rmSync(tree.root, { recursive: true });
        const stop = cg.watchOOM(() => assert.fail('no OOM'));
        stop();
        stop();
        assert.equal(logged.length, 1, `${version}: the failure is logged: ${logged.join('; ')}`);
      } finally {
        tree.remove();
      }
    }
  });
});
