// Unknown container and exec ids: every Task method answers NotFound with the Go shim's wording, and the real
// container is untouched by any of it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeNames } from '../../../src/api/types.ts';
import { packAny } from '../../../src/api/any.ts';
import { startLiveShim, type LiveShim } from '../../helpers/live-shim.ts';
import { alive, crashLines, outcome, removeRuncRoot } from './helpers.ts';
import { EXEC_METHODS, taskRequests, type TaskRequest } from './task-requests.ts';

const T = TypeNames;

/** Every method that names a container, with a request for container `id` (exec `execId` where it has one). */
function requests(id: string, execId: string): TaskRequest[] {
  return taskRequests({
    id,
    execId,
    newExecId: 'e-unknown',
    signal: 15,
    checkpointPath: '/nonexistent-checkpoint',
  });
}

describe('unknown ids', { timeout: 120_000 }, () => {
  let shim: LiveShim;
  before(async () => {
    shim = await startLiveShim();
  });
  after(async () => {
    await shim?.stop();
    removeRuncRoot(shim?.namespace);
  });

  test('every method with an unknown container id answers 5 "container not created: not found"', async () => {
    for (const [method, type, req] of requests('no-such-container', '')) {
      const res = await outcome(shim.call(method, type, req));
      assert.deepEqual(res, { code: 5, message: 'container not created: not found' }, method);
    }
    // the same with an exec id: the container is looked up first
    for (const [method, type, req] of requests('no-such-container', 'e1')) {
      if (!EXEC_METHODS.has(method)) continue;
      const res = await outcome(shim.call(method, type, req));
      assert.deepEqual(res, { code: 5, message: 'container not created: not found' }, `${method} with exec`);
    }
  });

  test('every process method with an unknown exec id answers 5 "process does not exist <id>: not found"', async () => {
    for (const [method, type, req] of requests(shim.id, 'ghost')) {
      if (!EXEC_METHODS.has(method)) continue;
      const res = await outcome(shim.call(method, type, req));
      assert.deepEqual(res, { code: 5, message: 'process does not exist ghost: not found' }, method);
    }
  });

  test('Connect and Shutdown with an unknown id succeed and leave the shim serving its container', async () => {
    const connected = await shim.call<{ shim_pid: number; task_pid: number }>(
      'Connect',
      T.connectRequest,
      { id: 'no-such-container' },
      T.connectResponse,
    );
    assert.equal(connected.shim_pid, shim.shimPid);
    assert.equal(connected.task_pid, 0);
    // a container is still registered: Shutdown is a no-op
    await shim.call('Shutdown', T.shutdownRequest, { id: 'no-such-container', now: true });
    const state = await shim.call<{ status: number; pid: number }>(
      'State',
      T.stateRequest,
      { id: shim.id, exec_id: '' },
      T.stateResponse,
    );
    assert.equal(state.status, 2);
    assert.ok(alive(state.pid));
    assert.ok(alive(shim.shimPid));
  });

  test('checkpoint options of another type are refused with InvalidArgument before runc is called', async () => {
    const res = await outcome(
      shim.call('Checkpoint', T.checkpointTaskRequest, {
        id: shim.id,
        path: '/nonexistent-checkpoint',
        options: packAny(T.runcOptions, { root: '/x' }),
      }),
    );
    assert.equal(res.code, 3, res.message);
    assert.match(res.message, /invalid checkpoint options/);
    assert.deepEqual(crashLines(shim), []);
  });
});
