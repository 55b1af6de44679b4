// Task lifecycle through real containerd daemons with tsshim: pause/resume, signals, refused deletes and the
// shim's own view (`ctr shim state`).
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Containerd } from '../../helpers/containerd.ts';
import { skipReason } from '../../helpers/containerd.ts';
import {
  ctrFails,
  ctrOk,
  runInBackground,
  sharedDaemon,
  shimTest,
  shimTestVersions,
  waitForStatus,
} from './helpers.ts';

async function runSleeper(d: Containerd, image: string, id: string): Promise<number> {
  await ctrOk(d, ['run', '-d', image, id, 'sleep', '600'], { timeoutMs: 60_000 });
  return (await waitForStatus(d, id, 'RUNNING')).pid;
}

/** FROZEN or THAWED: the freezer of the cgroup a host pid is in (v1 freezer.state, or v2 cgroup.freeze) */
function freezerState(pid: number): string {
  const cgroups = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  const v1 = /^\d+:freezer:(.*)$/m.exec(cgroups)?.[1];
  if (v1 !== undefined) return readFileSync(`/sys/fs/cgroup/freezer${v1}/freezer.state`, 'utf8').trim();
  const v2 = /^0::(.*)$/m.exec(cgroups)?.[1] ?? '';
  return readFileSync(`/sys/fs/cgroup${v2}/cgroup.freeze`, 'utf8').trim() === '1' ? 'FROZEN' : 'THAWED';
}

interface ShimState {
  id: string;
  pid: number;
  status: number;
}

async function shimState(d: Containerd, id: string): Promise<ShimState> {
  const out = await ctrOk(d, ['shim', '--id', id, 'state']);
  return JSON.parse(out) as ShimState;
}

// containerd.v1.types.Status
const RUNNING = 2;
const STOPPED = 3;
const PAUSED = 4;

for (const version of shimTestVersions()) {
  describe(
    `tsshim under containerd ${version}: lifecycle`,
    { skip: skipReason(version), concurrency: false },
    () => {
      const shared = sharedDaemon(version);

      shimTest(shared, 'pause freezes the task and refuses execs; resume thaws it', async (d, image) => {
        const id = shared.id('pause');
        const pid = await runSleeper(d, image, id);
        await ctrOk(d, ['tasks', 'pause', id]);
        await waitForStatus(d, id, 'PAUSED');
        assert.equal(freezerState(pid), 'FROZEN');
        const refused = await ctrFails(d, ['tasks', 'exec', '--exec-id', 'while-paused', id, 'true'], {
          timeoutMs: 60_000,
        });
        assert.match(refused.stderr, /cannot exec in a paused state/);
        await ctrOk(d, ['tasks', 'resume', id]);
        await waitForStatus(d, id, 'RUNNING');
        assert.equal(freezerState(pid), 'THAWED');
        const out = await ctrOk(d, ['tasks', 'exec', '--exec-id', 'after-resume', id, 'echo', 'thawed'], {
          timeoutMs: 60_000,
        });
        assert.equal(out, 'thawed\n');
      });

      shimTest(
        shared,
        'a SIGTERM reaches the container’s trap, whose exit code is ctr’s',
        async (d, image) => {
          const id = shared.id('trap');
          const script = 'trap "echo got-term; exit 42" TERM; echo ready; while true; do sleep 0.2; done';
          const run = runInBackground(d, ['run', '--rm', image, id, 'sh', '-c', script]);
          try {
            await run.waitForStdout(/ready/);
            await ctrOk(d, ['tasks', 'kill', id]); // SIGTERM is ctr's default
            assert.equal(await run.exited, 42);
            assert.equal(run.stdout(), 'ready\ngot-term\n');
          } finally {
            await run.kill();
          }
        },
      );

      shimTest(shared, 'SIGKILL ends the task with 137', async (d, image) => {
        const id = shared.id('sigkill');
        const run = runInBackground(d, ['run', '--rm', image, id, 'sh', '-c', 'echo ready; exec sleep 600']);
        try {
          await run.waitForStdout(/ready/);
          await waitForStatus(d, id, 'RUNNING');
          await ctrOk(d, ['tasks', 'kill', '--signal', 'SIGKILL', id]);
          assert.equal(await run.exited, 137);
        } finally {
          await run.kill();
        }
      });

      shimTest(
        shared,
        'a running task cannot be deleted without --force and keeps running',
        async (d, image) => {
          const id = shared.id('nodelete');
          const pid = await runSleeper(d, image, id);
          const res = await ctrFails(d, ['tasks', 'delete', id]);
          assert.match(res.stderr, /running/);
          const row = await waitForStatus(d, id, 'RUNNING');
          assert.equal(row.pid, pid);
          await ctrOk(d, ['tasks', 'delete', '--force', id]);
          const after = await ctrOk(d, ['tasks', 'list', '--quiet']);
          assert.equal(after.trim(), '');
        },
      );

      shimTest(shared, 'ctr shim state reports the init’s pid and status from the shim', async (d, image) => {
        const id = shared.id('state');
        const pid = await runSleeper(d, image, id);
        const running = await shimState(d, id);
        assert.equal(running.id, id);
        assert.equal(running.pid, pid);
        assert.equal(running.status, RUNNING);
        await ctrOk(d, ['tasks', 'pause', id]);
        assert.equal((await shimState(d, id)).status, PAUSED);
        await ctrOk(d, ['tasks', 'resume', id]);
        await ctrOk(d, ['tasks', 'kill', '--signal', 'SIGKILL', id]);
        await waitForStatus(d, id, 'STOPPED');
        assert.equal((await shimState(d, id)).status, STOPPED);
      });
    },
  );
}
