// Calls the state machine or the arguments refuse: each gets the Go shim's code and wording, and what existed
// before (the container, its execs, the shim) is still there afterwards.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '../../../src/api/codec.ts';
import { packAny } from '../../../src/api/any.ts';
import { TypeNames } from '../../../src/api/types.ts';
import { startLiveShim, type LiveShim } from '../../helpers/live-shim.ts';
import {
  alive,
  crashLines,
  outcome,
  processSpec,
  processTypeUrl,
  RawConnection,
  socketOf,
  removeRuncRoot,
} from './helpers.ts';

const T = TypeNames;
const RESOURCES_URL = 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources';

describe('refused calls on a running container', { timeout: 120_000 }, () => {
  let shim: LiveShim;
  let initPid: number;
  const initRef = () => ({ id: shim.id, exec_id: '' });
  const state = () =>
    shim.call<{ status: number; pid: number }>('State', T.stateRequest, initRef(), T.stateResponse);

  before(async () => {
    shim = await startLiveShim();
    initPid = (await state()).pid;
  });
  after(async () => {
    await shim?.stop();
    removeRuncRoot(shim?.namespace);
  });

  test('Exec with a spec that is not JSON, not an object or missing is InvalidArgument and frees the id', async () => {
    const specs = [
      { type_url: processTypeUrl, value: Buffer.from('{not json') },
      { type_url: processTypeUrl, value: Buffer.from('["sh"]') },
      { type_url: processTypeUrl, value: Buffer.from('42') },
      { type_url: processTypeUrl, value: Buffer.from('null') },
      undefined,
    ];
    for (const spec of specs) {
      const res = await outcome(
        shim.call('Exec', T.execProcessRequest, { id: shim.id, exec_id: 'bad', spec }),
      );
      assert.equal(res.code, 3, `${spec?.value.toString()}: ${res.message}`);
      // the refused exec was not registered
      const ghost = await outcome(shim.call('State', T.stateRequest, { id: shim.id, exec_id: 'bad' }));
      assert.deepEqual(ghost, { code: 5, message: 'process does not exist bad: not found' });
    }
    // the id is free again
    await shim.call('Exec', T.execProcessRequest, {
      id: shim.id,
      exec_id: 'bad',
      spec: processSpec(['true']),
    });
    await shim.call('Delete', T.deleteRequest, { id: shim.id, exec_id: 'bad' });
  });

  test('Exec with an exec id in use is 6 "id <exec id>: already exists" and keeps the first exec', async () => {
    await shim.call('Exec', T.execProcessRequest, {
      id: shim.id,
      exec_id: 'e1',
      spec: processSpec(['sleep', '1']),
    });
    const res = await outcome(
      shim.call('Exec', T.execProcessRequest, { id: shim.id, exec_id: 'e1', spec: processSpec(['true']) }),
    );
    assert.deepEqual(res, { code: 6, message: 'id e1: already exists' });
    const e1 = await shim.call<{ id: string; status: number }>(
      'State',
      T.stateRequest,
      { id: shim.id, exec_id: 'e1' },
      T.stateResponse,
    );
    assert.equal(e1.id, 'e1');
    assert.equal(e1.status, 1);
  });

  test('Update with resources that are not a JSON object is InvalidArgument', async () => {
    for (const value of ['{"memory":', 'not json', '[1]', '"x"']) {
      const res = await outcome(
        shim.call('Update', T.updateTaskRequest, {
          id: shim.id,
          resources: { type_url: RESOURCES_URL, value: Buffer.from(value) },
        }),
      );
      assert.equal(res.code, 3, `${value}: ${res.message}`);
    }
    const missing = await outcome(shim.call('Update', T.updateTaskRequest, { id: shim.id }));
    assert.equal(missing.code, 3, missing.message);
  });

  test('Start of a running init is 2 "cannot start a running process"', async () => {
    const res = await outcome(shim.call('Start', T.startRequest, initRef()));
    assert.deepEqual(res, { code: 2, message: 'cannot start a running process' });
    assert.equal((await state()).pid, initPid);
  });

  test('Delete of a running init is 2 "cannot delete a running process"', async () => {
    const res = await outcome(shim.call('Delete', T.deleteRequest, initRef()));
    assert.deepEqual(res, { code: 2, message: 'cannot delete a running process' });
    assert.ok(alive(initPid));
  });

  test('Resume of a running init is 2 "cannot resume a running process"', async () => {
    const res = await outcome(shim.call('Resume', T.resumeRequest, { id: shim.id }));
    assert.deepEqual(res, { code: 2, message: 'cannot resume a running process' });
  });

  test('Wait whose deadline passes answers 4 and the process keeps running', async () => {
    const raw = await RawConnection.connect(socketOf(shim));
    try {
      const res = await raw.request(shim, 'Wait', encode(T.waitRequest, initRef()), { timeoutNano: 300e6 });
      assert.equal(res.status?.code, 4, res.status?.message);
      // an exec that was added but never started: the same
      const execWait = await raw.request(
        shim,
        'Wait',
        encode(T.waitRequest, { id: shim.id, exec_id: 'e1' }),
        {
          timeoutNano: 300e6,
        },
      );
      assert.equal(execWait.status?.code, 4, execWait.status?.message);
    } finally {
      raw.close();
    }
    const s = await state();
    assert.equal(s.status, 2);
    assert.ok(alive(initPid));
    assert.ok(alive(shim.shimPid));
  });

  describe('after the init exited', () => {
    before(async () => {
      await shim.call('Kill', T.killRequest, { ...initRef(), signal: 9 });
      await shim.call('Wait', T.waitRequest, initRef(), T.waitResponse);
    });

    test('Kill is 5 "process already finished: not found"', async () => {
      const res = await outcome(shim.call('Kill', T.killRequest, { ...initRef(), signal: 15 }));
      assert.deepEqual(res, { code: 5, message: 'process already finished: not found' });
    });

    test('Pause is 2 "cannot pause a stopped container"', async () => {
      const res = await outcome(shim.call('Pause', T.pauseRequest, { id: shim.id }));
      assert.deepEqual(res, { code: 2, message: 'cannot pause a stopped container' });
    });

    test('Exec is 2 "cannot exec in a stopped state"', async () => {
      const res = await outcome(
        shim.call('Exec', T.execProcessRequest, {
          id: shim.id,
          exec_id: 'late',
          spec: processSpec(['true']),
        }),
      );
      assert.deepEqual(res, { code: 2, message: 'cannot exec in a stopped state' });
    });

    test('Start of an exec added before the exit is 9 "init process is not running"', async () => {
      const res = await outcome(shim.call('Start', T.startRequest, { id: shim.id, exec_id: 'e1' }));
      assert.deepEqual(res, {
        code: 9,
        message: `container ${shim.id} init process is not running: failed precondition`,
      });
    });

    test('Delete succeeds once, then is 5 "container not created: not found"', async () => {
      const first = await shim.call<{ pid: number; exit_status: number }>(
        'Delete',
        T.deleteRequest,
        initRef(),
        T.deleteResponse,
      );
      assert.equal(first.pid, initPid);
      assert.equal(first.exit_status, 137);
      const second = await outcome(shim.call('Delete', T.deleteRequest, initRef()));
      assert.deepEqual(second, { code: 5, message: 'container not created: not found' });
      assert.deepEqual(crashLines(shim), []);
    });
  });
});

describe('refused Create options', { timeout: 120_000 }, () => {
  let shim: LiveShim;
  before(async () => {
    shim = await startLiveShim({ start: false });
  });
  after(async () => {
    await shim?.stop();
    removeRuncRoot(shim?.namespace);
  });

  test('options of another type, or of an unknown type, are InvalidArgument; then a good Create works', async () => {
    const wrong = [
      packAny(T.checkpointOptions, { exit: true }),
      { type_url: 'example.com/Unknown', value: Buffer.from([0x0a, 0x01, 0x41]) },
      // the right type with a body that does not decode (binary_name longer than the bytes that follow)
      { type_url: T.runcOptions, value: Buffer.from([0x32, 0x7f, 0x41]) },
    ];
    for (const options of wrong) {
      const res = await outcome(
        shim.call('Create', T.createTaskRequest, { id: shim.id, bundle: shim.bundle, options }),
      );
      assert.equal(res.code, 3, `${options.type_url}: ${res.message}`);
      assert.match(res.message, /invalid runtime options/);
      const s = await outcome(shim.call('State', T.stateRequest, { id: shim.id, exec_id: '' }));
      assert.deepEqual(s, { code: 5, message: 'container not created: not found' });
    }
    const created = await shim.call<{ pid: number }>(
      'Create',
      T.createTaskRequest,
      { id: shim.id, bundle: shim.bundle, options: packAny(T.runcOptions, {}) },
      T.createTaskResponse,
    );
    assert.ok(created.pid > 0 && alive(created.pid));
  });

  test('a created init refuses Pause and Resume with the created-state wording', async () => {
    const pause = await outcome(shim.call('Pause', T.pauseRequest, { id: shim.id }));
    assert.deepEqual(pause, { code: 2, message: 'cannot pause task in created state' });
    const resume = await outcome(shim.call('Resume', T.resumeRequest, { id: shim.id }));
    assert.deepEqual(resume, { code: 2, message: 'cannot resume task in created state' });
    assert.deepEqual(crashLines(shim), []);
  });
});
