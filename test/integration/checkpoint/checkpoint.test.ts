// Checkpoint through the Task API: the exact `runc checkpoint` argv CheckpointOptions turn into, the error a
// person gets when CRIU fails (with the saved dump log), and the states that refuse it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packAny } from '../../../src/api/any.ts';
import { TypeNames } from '../../../src/api/types.ts';
import { startLiveShim, type LiveShim } from '../../helpers/live-shim.ts';
import { outcome, removeRuncRoot } from '../robustness/helpers.ts';
import { createRuncRecorder, CRIU_ERROR, DUMP_LOG_TEXT, type RuncRecorder } from './runc-recorder.ts';

const T = TypeNames;

describe('checkpoint', { timeout: 120_000 }, () => {
  let shim: LiveShim;
  let runc: RuncRecorder;
  let images: string;
  const initRef = () => ({ id: shim.id, exec_id: '' });
  const globals = () => [
    '--root',
    `/run/containerd/runc/${shim.namespace}`,
    '--log',
    join(shim.bundle, 'log.json'),
    '--log-format',
    'json',
  ];
  const checkpoint = (options: object, path = join(images, 'cp')) =>
    outcome(
      shim.call('Checkpoint', T.checkpointTaskRequest, {
        id: shim.id,
        path,
        options: packAny(T.checkpointOptions, options),
      }),
    );
  const status = async () =>
    (await shim.call<{ status: number }>('State', T.stateRequest, initRef(), T.stateResponse)).status;

  before(async () => {
    runc = createRuncRecorder();
    images = mkdtempSync(join(tmpdir(), 'tsshim-checkpoint-images-'));
    shim = await startLiveShim({ start: false });
    await shim.call('Create', T.createTaskRequest, {
      id: shim.id,
      bundle: shim.bundle,
      options: packAny(T.runcOptions, { binary_name: runc.binary }),
    });
  });
  after(async () => {
    await shim?.stop();
    removeRuncRoot(shim?.namespace);
    runc?.remove();
    if (images) rmSync(images, { recursive: true, force: true });
  });

  test('a created (not started) container refuses: 2 "cannot checkpoint a task in created state"', async () => {
    const res = await checkpoint({});
    assert.deepEqual(res, { code: 2, message: 'cannot checkpoint a task in created state' });
    assert.deepEqual(runc.callsOf('checkpoint'), []);
    // the wrapper really is the runtime: create went through it
    assert.equal(runc.callsOf('create').length, 1);
  });

  test('every option becomes its flag, in runc order; the error names the saved CRIU log', async () => {
    await shim.call('Start', T.startRequest, initRef());
    const res = await checkpoint({
      exit: false,
      open_tcp: true,
      external_unix_sockets: true,
      terminal: true,
      file_locks: true,
      empty_namespaces: ['network'],
    });
    const work = join(shim.bundle, 'work', 'criu-work');
    const saved = join(shim.bundle, 'criu-dump.log');
    assert.deepEqual(runc.callsOf('checkpoint'), [
      [
        ...globals(),
        'checkpoint',
        '--image-path',
        join(images, 'cp'),
        '--work-path',
        work,
        '--tcp-established',
        '--ext-unix-sk',
        '--shell-job',
        '--file-locks',
        '--empty-ns',
        'network',
        '--leave-running',
        shim.id,
      ],
    ]);
    assert.deepEqual(res, {
      code: 2,
      message: `OCI runtime checkpoint failed: ${CRIU_ERROR} path= ${saved}`,
    });
    assert.equal(readFileSync(saved, 'utf8'), `${DUMP_LOG_TEXT}\n`);
    assert.equal(existsSync(work), false, 'the default work dir is removed');
    assert.equal(await status(), 2, 'the container still runs');
  });

  test('exit: true drops --leave-running; no options at all give only the paths', async () => {
    const before = runc.callsOf('checkpoint').length;
    await checkpoint({ exit: true });
    await outcome(
      shim.call('Checkpoint', T.checkpointTaskRequest, { id: shim.id, path: join(images, 'bare') }),
    );
    const [exitCall, bare] = runc.callsOf('checkpoint').slice(before);
    const work = join(shim.bundle, 'work', 'criu-work');
    assert.deepEqual(exitCall, [
      ...globals(),
      'checkpoint',
      '--image-path',
      join(images, 'cp'),
      '--work-path',
      work,
      shim.id,
    ]);
    assert.deepEqual(bare, [
      ...globals(),
      'checkpoint',
      '--image-path',
      join(images, 'bare'),
      '--work-path',
      work,
      '--leave-running',
      shim.id,
    ]);
  });

  test('a caller-given work_path and parent_path are passed and the work dir is kept', async () => {
    const work = join(images, 'my-work');
    const parent = join(images, 'parent');
    mkdirSync(parent);
    const before = runc.callsOf('checkpoint').length;
    const res = await checkpoint({
      work_path: work,
      parent_path: parent,
      empty_namespaces: ['network', 'ipc'],
    });
    assert.deepEqual(runc.callsOf('checkpoint').slice(before), [
      [
        ...globals(),
        'checkpoint',
        '--image-path',
        join(images, 'cp'),
        '--work-path',
        work,
        '--parent-path',
        parent,
        '--empty-ns',
        'network',
        '--empty-ns',
        'ipc',
        '--leave-running',
        shim.id,
      ],
    ]);
    const saved = join(shim.bundle, 'criu-dump.log');
    assert.equal(res.message, `OCI runtime checkpoint failed: ${CRIU_ERROR} path= ${saved}`);
    assert.equal(readFileSync(join(work, 'dump.log'), 'utf8'), `${DUMP_LOG_TEXT}\n`, 'work dir kept');
  });

  test('a paused container may be checkpointed; a stopped one refuses', async () => {
    await shim.call('Pause', T.pauseRequest, { id: shim.id });
    try {
      const before = runc.callsOf('checkpoint').length;
      const res = await checkpoint({});
      assert.match(res.message, /^OCI runtime checkpoint failed: /);
      assert.equal(runc.callsOf('checkpoint').length, before + 1);
    } finally {
      await shim.call('Resume', T.resumeRequest, { id: shim.id });
    }
    await shim.call('Kill', T.killRequest, { ...initRef(), signal: 9 });
    await shim.call('Wait', T.waitRequest, initRef(), T.waitResponse);
    const before = runc.callsOf('checkpoint').length;
    const res = await checkpoint({});
    assert.deepEqual(res, { code: 2, message: 'cannot checkpoint a stopped container' });
    assert.equal(runc.callsOf('checkpoint').length, before);
  });
});
