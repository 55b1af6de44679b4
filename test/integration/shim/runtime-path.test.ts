// containerd 2.x takes a shim by absolute path (`ctr run --runtime /abs/containerd-shim-x-v2`), and clients copy a
// shim binary to a directory of their own and run tasks with the copy: the launcher must run from anywhere.
import { after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, linkSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { listProcesses } from '../../helpers/cleanup.ts';
import { skipReason, tsshimBinary } from '../../helpers/containerd.ts';
import { ctrOk, sharedDaemon, shimTest, tempDir, waitForStatus } from './helpers.ts';

describe(
  'tsshim under containerd 2: the runtime given by absolute path',
  { skip: skipReason('2'), concurrency: false },
  () => {
    const shared = sharedDaemon('2');
    const dir = tempDir('tsshim-runtime-path-');
    after(() => dir.remove());

    for (const [how, make] of [
      ['a copy', copyFileSync],
      ['a symlink', (from: string, to: string) => symlinkSync(from, to)],
      ['a hard link', linkSync],
    ] as const) {
      shimTest(shared, `${how} of the launcher in another directory runs containers`, async (d, image) => {
        const sub = join(dir.path, how.replace(/\W/g, '-'));
        mkdirSync(sub);
        const runtime = join(sub, 'containerd-shim-x-v2');
        make(tsshimBinary, runtime);

        const out = await ctrOk(
          d,
          ['run', '--rm', '--runtime', runtime, image, shared.id('rm'), 'echo', 'hello'],
          {
            timeoutMs: 60_000,
          },
        );
        assert.equal(out, 'hello\n');

        // the task's shim is the one named, not the containerd-shim-runc-v2 in containerd's PATH
        const id = shared.id('detached');
        await ctrOk(d, ['run', '-d', '--runtime', runtime, image, id, 'sleep', '60'], { timeoutMs: 60_000 });
        await waitForStatus(d, id, 'RUNNING');
        const shims = listProcesses().filter(
          (p) =>
            p.state !== 'Z' && p.cmdline.includes(`-address ${d.address}`) && p.cmdline.includes(`-id ${id}`),
        );
        assert.ok(shims.length > 0, `no shim process for ${id}`);
        for (const shim of shims) assert.ok(shim.cmdline.startsWith(runtime), shim.cmdline);
        await ctrOk(d, ['tasks', 'kill', '--signal', 'SIGKILL', id]);
        await waitForStatus(d, id, 'STOPPED');
        await ctrOk(d, ['tasks', 'delete', id]);
        await ctrOk(d, ['containers', 'delete', id]);
      });
    }
  },
);
