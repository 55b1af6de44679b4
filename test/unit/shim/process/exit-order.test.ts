// A Wait answer implies State says stopped: the exit is recorded, the state machine reaches stopped (after any
// call that holds the process, such as a Kill whose runtime call is still running), and only then are waiters
// released. The runtime is a fake runner: this is the ordering logic alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskStatus } from '../../../../src/api/types.ts';
import { Runc } from '../../../../src/runc/index.ts';
import type { RunOptions, RunResult } from '../../../../src/spawn/index.ts';
import { ExecProcess } from '../../../../src/shim/process/exec.ts';
import { ExitLatch } from '../../../../src/shim/process/exit.ts';
import { InitProcess } from '../../../../src/shim/process/init.ts';

const ok: RunResult = { exitCode: 0, stdout: '', stderr: '' };
const noIO = { stdin: '', stdout: '', stderr: '', terminal: false };
const ioContext = { id: 'c', namespace: 'ns', ioUid: 0, ioGid: 0, log: () => undefined };

/** a runtime whose `kill` returns only when the test says so */
function slowKillRuntime(): { runc: Runc; finishKill: () => void; killStarted: Promise<void> } {
  let finishKill = (): void => undefined;
  let killStarted = (): void => undefined;
  const started = new Promise<void>((resolve) => (killStarted = resolve));
  const runner = async (_file: string, args: readonly string[], _opts: RunOptions): Promise<RunResult> => {
    const pidFile = args[args.indexOf('--pid-file') + 1];
    if (args.includes('create') && pidFile) writeFileSync(pidFile, '4242');
    if (args.includes('kill')) {
      killStarted();
      await new Promise<void>((resolve) => (finishKill = resolve));
    }
    return ok;
  };
  return { runc: new Runc({ runner }), finishKill: () => finishKill(), killStarted: started };
}

describe('exit order: recorded → stopped → waiters released', () => {
  let bundle: string;
  before(() => {
    bundle = mkdtempSync(join(tmpdir(), 'exit-order-'));
  });
  after(() => rmSync(bundle, { recursive: true, force: true }));

  test('an ExitLatch wakes no waiter between record and release', async () => {
    const latch = new ExitLatch();
    let woke = false;
    const waiting = latch.wait().then(() => (woke = true));
    assert.equal(latch.record({ status: 3, at: new Date() }), true);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(woke, false, 'recorded only');
    assert.equal(latch.record({ status: 4, at: new Date() }), false, 'the first exit stays');
    latch.release();
    await waiting;
    assert.equal((await latch.wait()).status, 3);
  });

  test('init: Wait returns only once State says stopped, even while a Kill holds the process', async () => {
    const rt = slowKillRuntime();
    const init = await InitProcess.create({
      id: 'c',
      bundle,
      runc: rt.runc,
      stdio: noIO,
      ioContext,
      noPivot: false,
      noNewKeyring: false,
    });
    await init.start();
    const killing = init.kill(9, false);
    await rt.killStarted;
    let statusWhenWoken: TaskStatus | undefined;
    let stateWhenWoken: string | undefined;
    const waited = init.exit.wait().then(() => {
      statusWhenWoken = init.status();
      stateWhenWoken = init.stateName;
    });
    const exited = init.setExited({ status: 137, at: new Date() });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(statusWhenWoken, undefined, 'no waiter released while the Kill holds the process');
    assert.equal(init.status(), TaskStatus.STOPPED, 'State already reports the recorded exit');
    rt.finishKill();
    await Promise.all([killing, exited, waited]);
    assert.equal(statusWhenWoken, TaskStatus.STOPPED);
    assert.equal(stateWhenWoken, 'stopped');
  });

  test('exec: a waiter woken by the exit sees the stopped state', async () => {
    const rt = slowKillRuntime();
    const exec = new ExecProcess({
      id: 'e',
      containerId: 'c',
      bundle,
      runc: rt.runc,
      spec: {},
      stdio: noIO,
      ioContext,
      initStatus: () => TaskStatus.RUNNING,
    });
    exec.transition(new (await import('../../../../src/shim/process/exec-states.ts')).ExecRunningState(exec));
    let seen: string | undefined;
    const waited = exec.exit.wait().then(() => (seen = exec.stateName));
    exec.setExited({ status: 0, at: new Date() });
    await waited;
    assert.equal(seen, 'stopped');
    assert.equal(exec.status(), TaskStatus.STOPPED);
  });
});
