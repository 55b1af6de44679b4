// The SIGCHLD exit dispatcher: orphans reach subscribers, captures keep early exits, libuv children stay libuv's.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../../../src/spawn/index.ts';
import { captureExits, onExit, startReaping, type ChildExit } from '../../../src/spawn/exits.ts';
import { orphan } from './orphan.ts';

before(() => startReaping());

function nextExit(pid: number): Promise<ChildExit> {
  // The SIGCHLD listener is unref'd, so something must keep the loop alive while we wait (the shim has its server).
  const holdLoop = setInterval(() => undefined, 1000);
  return new Promise((resolve) => {
    const stop = onExit((exit) => {
      if (exit.pid !== pid) return;
      stop();
      clearInterval(holdLoop);
      resolve(exit);
    });
  });
}

/** Waits until the pid has been reaped (its /proc entry is gone); the dispatch happens in the same pass. */
async function reaped(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000; // safety net only
  while (existsSync(`/proc/${pid}`)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} was never reaped`);
    await sleep(10);
  }
}

test('onExit receives the exit of an orphan, reaped on SIGCHLD', { timeout: 10_000 }, async () => {
  const pid = await orphan('sleep 0.3; exit 5');
  const exit = await nextExit(pid);
  assert.equal(exit.status, 5);
  assert.ok(exit.at instanceof Date);
});

test('an orphan killed by a signal is reported as 128 + signal', { timeout: 10_000 }, async () => {
  const pid = await orphan('exec sleep 31');
  const exited = nextExit(pid);
  process.kill(pid, 'SIGKILL');
  assert.equal((await exited).status, 137);
});

test(
  'captureExits keeps an exit that happened before its pid was asked for',
  { timeout: 10_000 },
  async () => {
    const capture = captureExits();
    try {
      const pid = await orphan('exit 9');
      await reaped(pid); // dispatched already: this is the exit that races `runc start` returning
      assert.deepEqual({ ...capture.take(pid), at: undefined }, { pid, status: 9, at: undefined });
      assert.equal(capture.take(pid), undefined); // taken once
    } finally {
      capture.close();
    }
  },
);

test(
  'a closed capture records nothing; an unsubscribed listener hears nothing',
  { timeout: 10_000 },
  async () => {
    const capture = captureExits();
    capture.close();
    const heard: number[] = [];
    onExit((exit) => heard.push(exit.pid))();
    const pid = await orphan('exit 0');
    await reaped(pid);
    assert.equal(capture.take(pid), undefined);
    assert.deepEqual(heard, []);
  },
);

test('libuv children keep exiting normally while the reaper runs', { timeout: 20_000 }, async () => {
  const orphans = Promise.all([orphan('sleep 0.05'), orphan('sleep 0.1'), orphan('exit 3')]);
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => run('sh', ['-c', `exit ${i}`])));
  assert.deepEqual(
    results.map((r) => r.exitCode),
    Array.from({ length: 20 }, (_, i) => i),
  );
  for (const pid of await orphans) await reaped(pid);
});
