// shim_cgroup placement on fixture trees: v2 writes the one cgroup.procs, v1 every hierarchy that has the path.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { moveProcessToCgroup } from '../../../src/cgroups/index.ts';
import { copyFixture } from './helpers.ts';

const v1 = copyFixture('v1');
const v2 = copyFixture('v2');
after(() => {
  v1.remove();
  v2.remove();
});

function procs(...parts: string[]): string {
  return readFileSync(join(...parts, 'cgroup.procs'), 'utf8');
}

describe('moveProcessToCgroup', () => {
  test('v2: writes the pid to <root>/<path>/cgroup.procs', () => {
    moveProcessToCgroup(1234, '/default/c1', { root: v2.root });
    assert.equal(procs(v2.root, 'default', 'c1'), '1234');
  });

  test('v1: writes the pid in every hierarchy holding the path, the named systemd one included', () => {
    moveProcessToCgroup(5678, 'default/c1', { root: v1.root });
    for (const h of ['memory', 'cpu', 'cpuacct', 'pids', 'blkio', 'hugetlb', 'systemd'])
      assert.equal(procs(v1.root, h, 'default', 'c1'), '5678', h);
  });

  test('v1: hierarchies without the path are skipped', () => {
    rmSync(join(v1.root, 'blkio', 'default', 'c1'), { recursive: true });
    moveProcessToCgroup(91, '/default/c1', { root: v1.root });
    assert.equal(procs(v1.root, 'memory', 'default', 'c1'), '91');
    assert.equal(existsSync(join(v1.root, 'blkio', 'default', 'c1')), false, 'nothing created');
  });

  test('a cgroup that does not exist is an error that says to create it', () => {
    assert.throws(
      () => moveProcessToCgroup(1, '/no/such', { root: v2.root }),
      /shim cgroup \/no\/such does not exist .*create it first/,
    );
    assert.throws(
      () => moveProcessToCgroup(1, '/no/such', { root: v1.root }),
      /in any cgroup v1 hierarchy .*create it first/,
    );
  });

  test('".." cannot climb above the root', () => {
    moveProcessToCgroup(77, '../../default/c1', { root: v2.root });
    assert.equal(procs(v2.root, 'default', 'c1'), '77');
  });
});
