// What the daemon does with shims, through real containerd daemons with tsshim: grouping containers into one
// shim, a daemon restart under running containers, and many containers at once leaving nothing behind.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { socketAddress, socketPath } from '../../../src/contract/shim-address.ts';
import type { Containerd } from '../../helpers/containerd.ts';
import { skipReason } from '../../helpers/containerd.ts';
import { isClean } from '../../helpers/cleanup.ts';
import {
  assertClean,
  ctrOk,
  eventually,
  listTasks,
  parentPid,
  sharedDaemon,
  shimProcesses,
  shimTest,
  shimTestVersions,
  waitForStatus,
} from './helpers.ts';

const GROUP_ANNOTATION = 'io.containerd.runc.v2.group';

async function killAndDelete(d: Containerd, id: string): Promise<void> {
  await ctrOk(d, ['tasks', 'kill', '--signal', 'SIGKILL', id]);
  await waitForStatus(d, id, 'STOPPED');
  await ctrOk(d, ['tasks', 'delete', id]);
  await ctrOk(d, ['containers', 'delete', id]);
}

for (const version of shimTestVersions()) {
  describe(
    `tsshim under containerd ${version}: daemon`,
    { skip: skipReason(version), concurrency: false },
    () => {
      const shared = sharedDaemon(version);

      shimTest(
        shared,
        'containers of one group share one shim, and the second outlives the first’s delete',
        async (d, image) => {
          const group = `${GROUP_ANNOTATION}=${shared.id('group')}`;
          const first = shared.id('grouped');
          const second = shared.id('grouped');
          for (const id of [first, second]) {
            await ctrOk(d, ['run', '-d', '--annotation', group, image, id, 'sleep', '600'], {
              timeoutMs: 60_000,
            });
          }
          const a = await waitForStatus(d, first, 'RUNNING');
          const b = await waitForStatus(d, second, 'RUNNING');
          const shims = shimProcesses(d);
          assert.equal(shims.length, 1, `one shim serves the group: ${JSON.stringify(shims)}`);
          const shim = shims[0]!.pid;
          assert.equal(parentPid(a.pid), shim);
          assert.equal(parentPid(b.pid), shim);

          await killAndDelete(d, first);
          assert.deepEqual(
            shimProcesses(d).map((s) => s.pid),
            [shim],
            'the shim stays for the second container',
          );
          const row = await waitForStatus(d, second, 'RUNNING');
          assert.equal(row.pid, b.pid);
          const out = await ctrOk(
            d,
            ['tasks', 'exec', '--exec-id', 'alive', second, 'echo', 'still-served'],
            {
              timeoutMs: 60_000,
            },
          );
          assert.equal(out, 'still-served\n');

          await killAndDelete(d, second);
          const left = await eventually(
            () => shimProcesses(d),
            (s) => s.length === 0,
          );
          assert.deepEqual(left, [], 'the shim exits with its last container');
        },
      );

      shimTest(
        shared,
        'after a daemon restart a running container is still RUNNING, takes execs and reports its exit',
        async (d, image) => {
          const id = shared.id('restart');
          await ctrOk(d, ['run', '-d', image, id, 'sleep', '600'], { timeoutMs: 60_000 });
          const before = await waitForStatus(d, id, 'RUNNING');
          const shimsBefore = shimProcesses(d).map((s) => s.pid);

          await d.restart();

          const after = await waitForStatus(d, id, 'RUNNING');
          assert.equal(after.pid, before.pid);
          assert.deepEqual(
            shimProcesses(d).map((s) => s.pid),
            shimsBefore,
            'the same shim serves the container',
          );
          const out = await ctrOk(
            d,
            ['tasks', 'exec', '--exec-id', 'post-restart', id, 'echo', 'reconnected'],
            {
              timeoutMs: 60_000,
            },
          );
          assert.equal(out, 'reconnected\n');
          // The exit is delivered to the new daemon through the shim's events.
          await ctrOk(d, ['tasks', 'kill', '--signal', 'SIGKILL', id]);
          await waitForStatus(d, id, 'STOPPED');
          const del = await d.ctr(['tasks', 'delete', id]);
          assert.equal(del.code, 0, del.stderr);
          assert.match(del.stderr, /exit code 137/);
          assert.deepEqual(await listTasks(d), []);
        },
        180_000,
      );

      shimTest(
        shared,
        'a shim killed under a running container: containerd runs delete, which kills and cleans up the container',
        async (d, image) => {
          const id = shared.id('dead-shim');
          await ctrOk(d, ['run', '-d', image, id, 'sleep', '600'], { timeoutMs: 60_000 });
          const row = await waitForStatus(d, id, 'RUNNING');
          const shim = parentPid(row.pid);
          assert.ok(
            shimProcesses(d).some((s) => s.pid === shim),
            'the container is a child of our shim',
          );
          process.kill(shim, 'SIGKILL');
          // containerd notices the lost connection, runs `<shim> delete` (runc delete --force, unmount) and
          // reports the task stopped with the delete action's status
          const alive = (pid: number): boolean => {
            try {
              process.kill(pid, 0);
              return true;
            } catch {
              return false;
            }
          };
          const gone = await eventually(
            () => alive(row.pid),
            (a) => !a,
            30_000,
          );
          assert.equal(gone, false, 'the container process is killed');
          const status = await eventually(
            async () => (await listTasks(d)).find((t) => t.id === id)?.status,
            (s) => s !== 'RUNNING',
            30_000,
          );
          assert.notEqual(status, 'RUNNING');
          await d.ctr(['tasks', 'delete', id]);
          await ctrOk(d, ['containers', 'delete', id]);
          // the killed shim is reaped by whichever process adopted it, sometimes a second or two later
          const left = await eventually(() => d.leftovers(), isClean, 30_000);
          assertClean(left, 'after the dead shim was cleaned up');
        },
        120_000,
      );

      shimTest(
        shared,
        '12 containers at once, each with execs, leave nothing behind once deleted',
        async (d, image) => {
          const ids = Array.from({ length: 12 }, () => shared.id('many'));
          await Promise.all(
            ids.map((id) =>
              ctrOk(d, ['run', '-d', image, id, 'sleep', '600'], {
                timeoutMs: 240_000,
              }),
            ),
          );
          for (const id of ids) await waitForStatus(d, id, 'RUNNING');
          const outputs = await Promise.all(
            ids.flatMap((id) =>
              [1, 2].map((n) =>
                d.ctr(['tasks', 'exec', '--exec-id', `x${n}`, id, 'sh', '-c', `echo ${id}-${n}; exit ${n}`], {
                  timeoutMs: 240_000,
                }),
              ),
            ),
          );
          outputs.forEach((res, i) => {
            const id = ids[Math.floor(i / 2)];
            const n = (i % 2) + 1;
            assert.equal(res.stdout, `${id}-${n}\n`, res.stderr);
            assert.equal(res.code, n);
          });
          assert.equal(shimProcesses(d).length, 12, 'one shim per container');

          await Promise.all(ids.map((id) => ctrOk(d, ['tasks', 'kill', '--signal', 'SIGKILL', id])));
          for (const id of ids) await waitForStatus(d, id, 'STOPPED');
          await Promise.all(ids.map((id) => ctrOk(d, ['tasks', 'delete', id], { timeoutMs: 120_000 })));
          await Promise.all(ids.map((id) => ctrOk(d, ['containers', 'delete', id])));

          const left = await d.leftovers(30_000);
          // Sockets are host-wide: judge only those our shims bind, not another daemon's on this host.
          const ours = new Set(ids.map((id) => socketPath(socketAddress(d.address, d.namespace, id))));
          assertClean({ ...left, sockets: left.sockets.filter((s) => ours.has(s)) }, 'after 12 containers');
        },
        480_000,
      );
    },
  );
}
