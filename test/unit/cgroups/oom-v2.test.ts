// v2 OOM watching on a fixture memory.events (inotify works on a plain file as on cgroupfs): one call per
// oom_kill increase, none for other changes or after stop().
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCgroupOfPid } from '../../../src/cgroups/index.ts';
import { copyFixture, FIXTURE_PID } from './helpers.ts';

const tree = copyFixture('v2');
after(() => tree.remove());
const dir = join(tree.root, 'default', 'c1');
const events = (oomKill: number, max = 0): string =>
  `low 0\nhigh 0\nmax ${max}\noom ${oomKill}\noom_kill ${oomKill}\noom_group_kill 0\n`;

function nextCall(calls: { n: number }, target: number, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs; // a safety net, not a timing assertion
    const tick = (): void => {
      if (calls.n >= target) resolve();
      else if (Date.now() > deadline) reject(new Error(`still ${calls.n} OOM calls, want ${target}`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

describe('cgroup v2 OOM watch', () => {
  test('reports each increase of oom_kill once and ignores other changes', async () => {
    writeFileSync(join(dir, 'memory.events'), events(0));
    const cg = loadCgroupOfPid(FIXTURE_PID, { root: tree.root, procRoot: tree.procRoot });
    const calls = { n: 0 };
    const stop = cg.watchOOM(() => calls.n++);
    try {
      writeFileSync(join(dir, 'memory.events'), events(1));
      await nextCall(calls, 1);
      writeFileSync(join(dir, 'memory.events'), events(1, 9)); // max rose, oom_kill did not
      writeFileSync(join(dir, 'memory.events'), events(3));
      await nextCall(calls, 2);
      // a write that changes nothing relevant, then a settle point observed through a further increase
      writeFileSync(join(dir, 'memory.events'), events(3, 10));
      writeFileSync(join(dir, 'memory.events'), events(4));
      await nextCall(calls, 3);
      assert.equal(calls.n, 3);
    } finally {
      stop();
    }
  });

  test('an oom_kill already counted when the watch starts is reported', async () => {
    writeFileSync(join(dir, 'memory.events'), events(2));
    const calls = { n: 0 };
    const stop = loadCgroupOfPid(FIXTURE_PID, { root: tree.root, procRoot: tree.procRoot }).watchOOM(
      () => calls.n++,
    );
    try {
      assert.equal(calls.n, 1);
    } finally {
      stop();
    }
  });

  test('after stop() no more calls', async () => {
    writeFileSync(join(dir, 'memory.events'), events(0));
    const calls = { n: 0 };
    const stop = loadCgroupOfPid(FIXTURE_PID, { root: tree.root, procRoot: tree.procRoot }).watchOOM(
      () => calls.n++,
    );
    stop();
    writeFileSync(join(dir, 'memory.events'), events(5));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(calls.n, 0);
  });
});
