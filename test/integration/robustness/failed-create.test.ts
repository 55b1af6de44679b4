// A Create that fails leaves nothing behind: no runc state, no process, no rootfs mount, no console socket,
// and the shim goes on serving (a corrected Create of the same id then works).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TypeNames, type Mount } from '../../../src/api/types.ts';
import { startLiveShim, type LiveShim } from '../../helpers/live-shim.ts';
import { busyboxRootfs } from '../../helpers/rootfs.ts';
import {
  alive,
  childrenOf,
  crashLines,
  eventually,
  mountsUnder,
  outcome,
  processSpec,
  runcContainers,
  removeRuncRoot,
} from './helpers.ts';

const T = TypeNames;

function mount(type: string, source: string, options: string[] = []): Mount {
  return { type, source, target: '', options };
}

describe('a Create that fails', { timeout: 120_000 }, () => {
  let shim: LiveShim;
  let runtimeDir: string;
  const rootfs = () => join(shim.bundle, 'rootfs');
  const create = (req: object) =>
    outcome(shim.call('Create', T.createTaskRequest, { id: shim.id, bundle: shim.bundle, ...req }));

  /** Everything a failed Create could have left behind. */
  async function assertNothingLeft(): Promise<void> {
    assert.deepEqual(runcContainers(shim.namespace), [], 'runc state');
    assert.deepEqual(mountsUnder(shim.shimPid, shim.bundle), [], 'mounts under the bundle');
    const children = await eventually(
      () => childrenOf(shim.shimPid),
      (c) => c.length === 0,
    );
    assert.deepEqual(children, [], 'processes left under the shim');
    assert.deepEqual(readdirSync(runtimeDir), [], 'console sockets or process files');
    const state = await outcome(shim.call('State', T.stateRequest, { id: shim.id, exec_id: '' }));
    assert.deepEqual(state, { code: 5, message: 'container not created: not found' });
  }

  before(async () => {
    // console sockets are made in $XDG_RUNTIME_DIR: point it at a directory we can watch
    runtimeDir = mkdtempSync(join(tmpdir(), 'tsshim-robust-xdg-'));
    shim = await startLiveShim({
      args: ['/no/such/binary'],
      start: false,
      env: { XDG_RUNTIME_DIR: runtimeDir },
    });
    // the shim really makes its sockets there, so an empty directory means they were removed
    const environ = readFileSync(`/proc/${shim.shimPid}/environ`, 'utf8').split('\0');
    assert.ok(environ.includes(`XDG_RUNTIME_DIR=${runtimeDir}`));
  });
  after(async () => {
    await shim?.stop();
    removeRuncRoot(shim?.namespace);
    rmSync(runtimeDir, { recursive: true, force: true });
  });

  test('in runc (bad command) with a bind rootfs: error from runc, nothing left', async () => {
    const res = await create({ rootfs: [mount('bind', busyboxRootfs(), ['rbind'])] });
    assert.equal(res.code, 2, res.message);
    assert.match(res.message, /^OCI runtime create failed: .*\/no\/such\/binary: no such file or directory$/);
    await assertNothingLeft();
  });

  test('in runc with a tmpfs rootfs and a terminal: nothing left, console socket removed', async () => {
    const res = await create({ rootfs: [mount('tmpfs', 'tmpfs', ['size=1m'])], terminal: true });
    assert.equal(res.code, 2, res.message);
    assert.match(res.message, /^OCI runtime create failed: /);
    await assertNothingLeft();
  });

  test('at a rootfs mount that cannot be made: a readable error, the earlier mounts undone', async () => {
    const res = await create({
      rootfs: [mount('tmpfs', 'tmpfs', ['size=1m']), mount('tsshimnosuchfs', 'none')],
    });
    assert.equal(res.code, 2, res.message);
    assert.match(res.message, /^mount none on .*\/rootfs: no such device$/);
    await assertNothingLeft();
  });

  test('the shim still serves: the corrected Create of the same id runs, a failed exec leaves nothing, Delete unmounts', async () => {
    const configPath = join(shim.bundle, 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as { process: { args: string[] } };
    config.process.args = ['sleep', '600'];
    writeFileSync(configPath, JSON.stringify(config));
    const { pid } = await shim.call<{ pid: number }>(
      'Create',
      T.createTaskRequest,
      { id: shim.id, bundle: shim.bundle, rootfs: [mount('tmpfs', 'tmpfs', ['size=1m'])] },
      T.createTaskResponse,
    );
    assert.ok(pid > 0 && alive(pid));
    assert.deepEqual(mountsUnder(shim.shimPid, shim.bundle), [rootfs()]);
    assert.deepEqual(runcContainers(shim.namespace), [shim.id]);
    await shim.call('Start', T.startRequest, { id: shim.id, exec_id: '' });

    // an exec whose runc exec fails leaves no process file and no console socket either
    await shim.call('Exec', T.execProcessRequest, {
      id: shim.id,
      exec_id: 'bad',
      terminal: true,
      spec: processSpec(['/no/such/binary']),
    });
    const started = await outcome(shim.call('Start', T.startRequest, { id: shim.id, exec_id: 'bad' }));
    assert.equal(started.code, 2, started.message);
    assert.match(started.message, /^OCI runtime exec failed: .*\/no\/such\/binary/);
    assert.deepEqual(readdirSync(runtimeDir), [], 'console sockets or process files');
    await shim.call('Delete', T.deleteRequest, { id: shim.id, exec_id: 'bad' });
    assert.deepEqual(
      await eventually(
        () => childrenOf(shim.shimPid),
        (c) => c.length === 1,
      ),
      [pid],
    );

    await shim.call('Kill', T.killRequest, { id: shim.id, exec_id: '', signal: 9 });
    await shim.call('Wait', T.waitRequest, { id: shim.id, exec_id: '' }, T.waitResponse);
    await shim.call('Delete', T.deleteRequest, { id: shim.id, exec_id: '' });
    assert.deepEqual(mountsUnder(shim.shimPid, shim.bundle), []);
    assert.deepEqual(runcContainers(shim.namespace), []);
    assert.equal(alive(pid), false);
    assert.deepEqual(crashLines(shim), []);
  });
});
