// The reaper against real children: orphans are reaped with their status, libuv's children never are.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { native, type ReapedExit } from '../../../src/native/index.ts';
import { spawn } from '../../../src/spawn/index.ts';
import { orphan } from '../spawn/orphan.ts';

before(() => native().setChildSubreaper());

async function reapUntil(pid: number): Promise<ReapedExit> {
  const deadline = Date.now() + 10_000; // safety net only
  while (Date.now() < deadline) {
    const found = native()
      .reap()
      .find((e) => e.pid === pid);
    if (found) return found;
    await sleep(10);
  }
  throw new Error(`pid ${pid} was never reaped`);
}

function isZombie(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

/** Blocks the event loop (so libuv cannot reap) until every pid is a zombie. */
function blockUntilZombies(pids: number[]): void {
  const deadline = Date.now() + 10_000;
  while (!pids.every(isZombie)) if (Date.now() > deadline) throw new Error('children did not exit');
}

test('an orphaned grandchild is re-parented to us and reaped with its exit code', async () => {
  const pid = await orphan('sleep 0.2');
  assert.deepEqual(await reapUntil(pid), { pid, status: 0 });
});

test('an orphan killed by SIGKILL is reported as 128 + 9', async () => {
  const pid = await orphan('exec sleep 101');
  process.kill(pid, 'SIGKILL');
  assert.deepEqual(await reapUntil(pid), { pid, status: 137 });
});

test(
  'reap() never takes a child libuv owns, so its exit event still arrives',
  { timeout: 10_000 },
  async () => {
    const child = spawn('sh', ['-c', 'exit 3']);
    blockUntilZombies([child.pid]);
    assert.ok(
      !native()
        .reap()
        .some((e) => e.pid === child.pid),
    );
    assert.equal((await child.exited).exitCode, 3); // hangs (timeout) if reap() had taken it from libuv
  },
);

test('an owned zombie does not hide an orphan zombie behind it', { timeout: 10_000 }, async () => {
  const owned = spawn('sleep', ['0.2']); // older child: waitid meets it first
  const orphanPid = await orphan('sleep 0.05');
  blockUntilZombies([owned.pid, orphanPid]);
  const reaped = native().reap();
  assert.ok(native().lastReapBlocked());
  assert.deepEqual(
    reaped.find((e) => e.pid === orphanPid),
    { pid: orphanPid, status: 0 },
  );
  assert.ok(!reaped.some((e) => e.pid === owned.pid));
  assert.equal((await owned.exited).exitCode, 0);
});

test('unmarkOwned makes a pid reapable again', async () => {
  const pid = await orphan('sleep 0.05');
  native().markOwned(pid);
  blockUntilZombies([pid]);
  assert.ok(
    !native()
      .reap()
      .some((e) => e.pid === pid),
  );
  native().unmarkOwned(pid);
  assert.deepEqual(await reapUntil(pid), { pid, status: 0 });
});
