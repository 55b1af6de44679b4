// Restore through the Task API: Create with a checkpoint runs nothing, Start runs `runc restore` with the
// exact argv of the Go shim, its failure reaches the caller worded as runc's, and the container stays
// deletable.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packAny } from '../../../src/api/any.ts';
import { TypeNames } from '../../../src/api/types.ts';
import { startLiveShim, type LiveShim } from '../../helpers/live-shim.ts';
import { outcome, removeRuncRoot } from '../robustness/helpers.ts';
import { createRuncRecorder, CRIU_ERROR, type RuncRecorder } from './runc-recorder.ts';

const T = TypeNames;

const processSpec = {
  type_url: 'types.containerd.io/opencontainers/runtime-spec/1/Process',
  value: Buffer.from(JSON.stringify({ args: ['true'], cwd: '/' })),
};

describe('restore', { timeout: 120_000 }, () => {
  let runc: RuncRecorder;
  let images: string;
  before(() => {
    runc = createRuncRecorder();
    images = mkdtempSync(join(tmpdir(), 'tsshim-restore-images-'));
    mkdirSync(join(images, 'cp'));
    mkdirSync(join(images, 'parent'));
  });
  after(() => {
    runc?.remove();
    if (images) rmSync(images, { recursive: true, force: true });
  });

  /** A shim whose container is created from a checkpoint; the test runs, then the container is deleted. */
  async function withRestoredContainer(
    runcOptions: object,
    body: (shim: LiveShim, created: { pid: number }) => Promise<void>,
  ): Promise<void> {
    const shim = await startLiveShim({ start: false });
    try {
      const created = await shim.call<{ pid: number }>(
        'Create',
        T.createTaskRequest,
        {
          id: shim.id,
          bundle: shim.bundle,
          checkpoint: join(images, 'cp'),
          parent_checkpoint: join(images, 'parent'),
          options: packAny(T.runcOptions, { binary_name: runc.binary, ...runcOptions }),
        },
        T.createTaskResponse,
      );
      await body(shim, created);
      // a restore that never happened leaves nothing for runc to delete; Delete still succeeds
      await shim.call('Delete', T.deleteRequest, { id: shim.id, exec_id: '' });
    } finally {
      await shim.stop();
      removeRuncRoot(shim.namespace);
    }
  }

  const globals = (shim: LiveShim) => [
    '--root',
    `/run/containerd/runc/${shim.namespace}`,
    '--log',
    join(shim.bundle, 'log.json'),
    '--log-format',
    'json',
  ];

  test('Create runs no runc and returns pid 0; Exec refuses; Start restores with the Go shim argv', async () => {
    await withRestoredContainer({}, async (shim, created) => {
      assert.equal(created.pid, 0);
      const callsAtCreate = runc.calls().filter((argv) => argv.includes(shim.id));
      assert.deepEqual(callsAtCreate, [], 'no runc call at Create');

      const exec = await outcome(
        shim.call('Exec', T.execProcessRequest, { id: shim.id, exec_id: 'e1', spec: processSpec }),
      );
      assert.deepEqual(exec, { code: 2, message: 'cannot exec in a created state' });

      const started = await outcome(shim.call('Start', T.startRequest, { id: shim.id, exec_id: '' }));
      assert.deepEqual(started, { code: 2, message: `OCI runtime restore failed: ${CRIU_ERROR}` });
      const restores = runc.callsOf('restore').filter((argv) => argv.at(-1) === shim.id);
      assert.deepEqual(restores, [
        [
          ...globals(shim),
          'restore',
          '--image-path',
          join(images, 'cp'),
          '--work-path',
          join(shim.bundle, 'work'),
          '--parent-path',
          join(images, 'parent'),
          '--detach',
          '--pid-file',
          join(shim.bundle, 'init.pid'),
          '-no-subreaper',
          '--bundle',
          shim.bundle,
          shim.id,
        ],
      ]);
      // the failed restore left the task created (from its checkpoint), as the Go shim does
      const state = await shim.call<{ status: number; pid: number }>(
        'State',
        T.stateRequest,
        { id: shim.id, exec_id: '' },
        T.stateResponse,
      );
      assert.deepEqual([state.status, state.pid], [1, 0]);
    });
  });

  test('criu_work_path and no_pivot_root reach runc restore', async () => {
    const work = join(images, 'restore-work');
    await withRestoredContainer({ criu_work_path: work, no_pivot_root: true }, async (shim) => {
      await outcome(shim.call('Start', T.startRequest, { id: shim.id, exec_id: '' }));
      const restores = runc.callsOf('restore').filter((argv) => argv.at(-1) === shim.id);
      assert.deepEqual(restores, [
        [
          ...globals(shim),
          'restore',
          '--image-path',
          join(images, 'cp'),
          '--work-path',
          work,
          '--parent-path',
          join(images, 'parent'),
          '--detach',
          '--pid-file',
          join(shim.bundle, 'init.pid'),
          '--no-pivot',
          '-no-subreaper',
          '--bundle',
          shim.bundle,
          shim.id,
        ],
      ]);
    });
  });
});
