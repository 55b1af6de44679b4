// The shim exits, removing its socket, once every container it holds was deleted and Shutdown came; never
// earlier, however often Shutdown is sent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TypeNames } from '../../../src/api/types.ts';
import { startLiveShim, type LiveShim } from '../../helpers/live-shim.ts';
import { alive, crashLines, eventually, outcome, socketOf, removeRuncRoot } from './helpers.ts';

const T = TypeNames;

describe('shutdown', { timeout: 120_000 }, () => {
  let shim: LiveShim;
  let socket: string;
  const second = 'second';
  let secondBundle: string;

  before(async () => {
    shim = await startLiveShim();
    socket = socketOf(shim);
    // a second container in the same shim (as containerd groups a pod's containers)
    secondBundle = join(shim.work, second);
    mkdirSync(secondBundle);
    const config = JSON.parse(readFileSync(join(shim.bundle, 'config.json'), 'utf8')) as {
      linux: { cgroupsPath: string };
    };
    config.linux.cgroupsPath = `${config.linux.cgroupsPath}-${second}`;
    writeFileSync(join(secondBundle, 'config.json'), JSON.stringify(config));
    await shim.call('Create', T.createTaskRequest, { id: second, bundle: secondBundle });
    await shim.call('Start', T.startRequest, { id: second, exec_id: '' });
  });
  after(async () => {
    await shim?.stop();
    removeRuncRoot(shim?.namespace);
  });

  async function deleteContainer(id: string): Promise<void> {
    await shim.call('Kill', T.killRequest, { id, exec_id: '', signal: 9 });
    await shim.call('Wait', T.waitRequest, { id, exec_id: '' }, T.waitResponse);
    await shim.call('Delete', T.deleteRequest, { id, exec_id: '' });
  }

  async function assertServing(): Promise<void> {
    const res = await outcome(shim.call('Connect', T.connectRequest, { id: shim.id }, T.connectResponse));
    assert.equal(res.code, 0, res.message);
    assert.ok(alive(shim.shimPid));
    assert.ok(existsSync(socket));
  }

  test('Shutdown while both containers live is a no-op', async () => {
    await shim.call('Shutdown', T.shutdownRequest, { id: shim.id });
    await shim.call('Shutdown', T.shutdownRequest, { id: shim.id, now: true });
    await assertServing();
  });

  test('Delete of one container and Shutdown: the shim stays for the other', async () => {
    await deleteContainer(shim.id);
    await assertServing();
    await shim.call('Shutdown', T.shutdownRequest, { id: shim.id });
    await assertServing();
    const state = await shim.call<{ status: number }>(
      'State',
      T.stateRequest,
      { id: second, exec_id: '' },
      T.stateResponse,
    );
    assert.equal(state.status, 2);
  });

  test('Delete of the last container alone does not end the shim; Shutdown then does, removing the socket', async () => {
    await deleteContainer(second);
    await assertServing();
    // the connection may close before the reply: containerd ignores that error too
    await shim.call('Shutdown', T.shutdownRequest, { id: second }).catch(() => undefined);
    const gone = await eventually(
      () => !alive(shim.shimPid) && !existsSync(socket),
      (v) => v,
    );
    assert.ok(gone, 'the shim process or its socket is still there');
    assert.deepEqual(crashLines(shim), []);
  });
});
