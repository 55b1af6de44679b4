// Concurrent calls on one process take turns, as under the Go shim's per-process mutex: the second of two
// Starts sees the first one's result instead of racing runc (which, for an exec, would start it twice).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeNames } from '../../../src/api/types.ts';
import { startLiveShim, type LiveShim } from '../../helpers/live-shim.ts';
import { crashLines, eventually, outcome, processSpec, type Outcome, removeRuncRoot } from './helpers.ts';

const T = TypeNames;

function twice(call: () => Promise<unknown>): Promise<Outcome[]> {
  return Promise.all([outcome(call()), outcome(call())]).then((r) => r.sort((a, b) => a.code - b.code));
}

const ok = { code: 0, message: '' };

/** Events are forwarded asynchronously: wait for the first, then count. */
async function eventCount(shim: LiveShim, topic: string): Promise<number> {
  const count = () => shim.events.filter((e) => e.topic === topic).length;
  await eventually(count, (n) => n > 0);
  return count();
}

describe('concurrent calls on one process', { timeout: 120_000 }, () => {
  let shim: LiveShim;
  const initRef = () => ({ id: shim.id, exec_id: '' });
  before(async () => {
    shim = await startLiveShim({ start: false });
    await shim.call('Create', T.createTaskRequest, { id: shim.id, bundle: shim.bundle });
  });
  after(async () => {
    await shim?.stop();
    removeRuncRoot(shim?.namespace);
  });

  test('two Starts of the init: one starts it, the other is "cannot start a running process"', async () => {
    const res = await twice(() => shim.call('Start', T.startRequest, initRef()));
    assert.deepEqual(res, [ok, { code: 2, message: 'cannot start a running process' }]);
    assert.equal(await eventCount(shim, '/tasks/start'), 1);
  });

  test('two Pauses, then two Resumes: one of each runs, the other gets the state error', async () => {
    const paused = await twice(() => shim.call('Pause', T.pauseRequest, { id: shim.id }));
    assert.deepEqual(paused, [ok, { code: 2, message: 'cannot pause a paused container' }]);
    const resumed = await twice(() => shim.call('Resume', T.resumeRequest, { id: shim.id }));
    assert.deepEqual(resumed, [ok, { code: 2, message: 'cannot resume a running process' }]);
  });

  test('two Starts of an exec start one process, not two', async () => {
    await shim.call('Exec', T.execProcessRequest, {
      id: shim.id,
      exec_id: 'e1',
      spec: processSpec(['sleep', '600']),
    });
    const res = await twice(() => shim.call('Start', T.startRequest, { id: shim.id, exec_id: 'e1' }));
    assert.deepEqual(res, [ok, { code: 2, message: 'cannot start a running process' }]);
    const { processes } = await shim.call<{ processes: { pid: number }[] }>(
      'Pids',
      T.pidsRequest,
      { id: shim.id },
      T.pidsResponse,
    );
    assert.equal(processes.length, 2, 'the init and one exec');
    assert.equal(await eventCount(shim, '/tasks/exec-started'), 1);
  });

  test('two Deletes of the stopped init: one deletes, the other is NotFound; one delete event', async () => {
    await shim.call('Kill', T.killRequest, { ...initRef(), signal: 9, all: true });
    await shim.call('Wait', T.waitRequest, initRef(), T.waitResponse);
    const res = await twice(() => shim.call('Delete', T.deleteRequest, initRef()));
    assert.equal(res[0]!.code, 0, res[0]!.message);
    assert.equal(res[1]!.code, 5, res[1]!.message);
    assert.equal(await eventCount(shim, '/tasks/delete'), 1);
    assert.deepEqual(crashLines(shim), []);
  });
});
