// `ctr task exec`, `ctr task ps` and the task events through real containerd daemons with tsshim.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Containerd } from '../../helpers/containerd.ts';
import { skipReason } from '../../helpers/containerd.ts';
import {
  ctrFails,
  ctrInTerminal,
  ctrOk,
  eventually,
  lines,
  runInBackground,
  sharedDaemon,
  shimTest,
  shimTestVersions,
  waitForStatus,
  watchEvents,
} from './helpers.ts';

async function runSleeper(d: Containerd, image: string, id: string): Promise<number> {
  await ctrOk(d, ['run', '-d', image, id, 'sleep', '600'], { timeoutMs: 60_000 });
  return (await waitForStatus(d, id, 'RUNNING')).pid;
}

interface PsRow {
  pid: number;
  info: string;
}

async function taskPs(d: Containerd, id: string): Promise<PsRow[]> {
  const out = await ctrOk(d, ['tasks', 'ps', id]);
  return lines(out)
    .slice(1)
    .map((line) => {
      const [pid = '0', ...info] = line.split(/\s+/);
      return { pid: Number(pid), info: info.join(' ') };
    });
}

for (const version of shimTestVersions()) {
  describe(
    `tsshim under containerd ${version}: exec`,
    { skip: skipReason(version), concurrency: false },
    () => {
      const shared = sharedDaemon(version);

      shimTest(
        shared,
        'an exec gets stdin, stdout and stderr and its exit code is ctr’s',
        async (d, image) => {
          const id = shared.id('exec');
          await runSleeper(d, image, id);
          const res = await d.ctr(
            [
              'tasks',
              'exec',
              '--exec-id',
              'e1',
              id,
              'sh',
              '-c',
              'read l; echo "out:$l"; echo "err:$l" >&2; exit 5',
            ],
            { input: 'ping\n', timeoutMs: 60_000 },
          );
          assert.equal(res.stdout, 'out:ping\n');
          assert.equal(res.stderr, 'err:ping\n');
          assert.equal(res.code, 5);
          // the container is untouched by its exec's exit
          await waitForStatus(d, id, 'RUNNING');
        },
      );

      shimTest(
        shared,
        'an exec runs inside the container (its filesystem and pid namespace)',
        async (d, image) => {
          const id = shared.id('exec-ns');
          await runSleeper(d, image, id);
          const out = await ctrOk(
            d,
            ['tasks', 'exec', '--exec-id', 'ns', id, 'sh', '-c', 'cat /proc/1/cmdline; echo'],
            {
              timeoutMs: 60_000,
            },
          );
          assert.equal(out, 'sleep\x00600\x00\n');
        },
      );

      shimTest(shared, 'a second exec with the id of a running exec is refused', async (d, image) => {
        const id = shared.id('dup');
        await runSleeper(d, image, id);
        const first = runInBackground(d, [
          'tasks',
          'exec',
          '--exec-id',
          'same',
          id,
          'sh',
          '-c',
          'echo up; sleep 600',
        ]);
        try {
          await first.waitForStdout(/up/);
          const res = await ctrFails(d, ['tasks', 'exec', '--exec-id', 'same', id, 'echo', 'second'], {
            timeoutMs: 60_000,
          });
          assert.match(res.stderr, /id same: already exists/);
          assert.equal(res.stdout, '');
        } finally {
          await first.kill();
        }
      });

      shimTest(
        shared,
        'an exec of a missing binary fails clearly and the task lives on',
        async (d, image) => {
          const id = shared.id('missing');
          const pid = await runSleeper(d, image, id);
          const res = await ctrFails(d, ['tasks', 'exec', '--exec-id', 'nobin', id, 'no-such-binary'], {
            timeoutMs: 60_000,
          });
          assert.match(res.stderr, /OCI runtime exec failed/);
          assert.match(res.stderr, /"no-such-binary": executable file not found/);
          const row = await waitForStatus(d, id, 'RUNNING');
          assert.equal(row.pid, pid);
          const again = await ctrOk(d, ['tasks', 'exec', '--exec-id', 'after', id, 'echo', 'still-here'], {
            timeoutMs: 60_000,
          });
          assert.equal(again, 'still-here\n');
        },
      );

      shimTest(shared, 'ctr task exec -t gets a terminal of ctr’s size', async (d, image) => {
        const id = shared.id('exec-tty');
        await runSleeper(d, image, id);
        const script =
          "until stty size 2>/dev/null | grep -q '^[1-9]'; do sleep 0.1; done; stty size; exit 6";
        const res = await ctrInTerminal(
          d,
          ['tasks', 'exec', '-t', '--exec-id', 'tty', id, 'sh', '-c', script],
          {
            rows: 41,
            cols: 97,
          },
        );
        assert.equal(res.timedOut, false);
        assert.match(res.stdout, /^41 97\r?$/m);
        assert.equal(res.code, 6);
      });

      shimTest(shared, 'task ps lists the init and names the exec of each exec process', async (d, image) => {
        const id = shared.id('ps');
        const initPid = await runSleeper(d, image, id);
        const exec = runInBackground(d, [
          'tasks',
          'exec',
          '--exec-id',
          'ps-exec',
          id,
          'sh',
          '-c',
          'echo up; sleep 600',
        ]);
        try {
          await exec.waitForStdout(/up/);
          const rows = await eventually(
            () => taskPs(d, id),
            (r) => r.some((row) => row.info.includes('ps-exec')),
          );
          assert.equal(rows.find((r) => r.pid === initPid)?.info, '-');
          const execRow = rows.find((r) => r.info.includes('ps-exec'));
          assert.ok(execRow, `exec listed with its id: ${JSON.stringify(rows)}`);
          assert.notEqual(execRow.pid, initPid);
          assert.match(execRow.info, /ExecID:ps-exec|"exec_id":"ps-exec"|ps-exec/);
        } finally {
          await exec.kill();
        }
      });

      shimTest(
        shared,
        'events arrive in order: create, start, exec-added, exec-started, exec exit, init exit, delete',
        async (d, image) => {
          const watch = await watchEvents(d);
          try {
            const id = shared.id('events');
            await runSleeper(d, image, id);
            const exec = await d.ctr(['tasks', 'exec', '--exec-id', 'ev-exec', id, 'sh', '-c', 'exit 5'], {
              timeoutMs: 60_000,
            });
            assert.equal(exec.code, 5);
            await ctrOk(d, ['tasks', 'kill', '--signal', 'SIGKILL', id]);
            await waitForStatus(d, id, 'STOPPED');
            await ctrOk(d, ['tasks', 'delete', id]);
            const ours = (): { topic: string; body: Record<string, unknown> }[] =>
              watch.events().filter((e) => e.topic.startsWith('/tasks/') && e.body.container_id === id);
            await eventually(ours, (evs) => evs.some((e) => e.topic === '/tasks/delete'));
            const seen = ours();
            assert.deepEqual(
              seen.map((e) => e.topic),
              [
                '/tasks/create',
                '/tasks/start',
                '/tasks/exec-added',
                '/tasks/exec-started',
                '/tasks/exit',
                '/tasks/exit',
                '/tasks/delete',
              ],
            );
            const [create, start, added, started, execExit, initExit, del] = seen.map((e) => e.body);
            assert.ok(Number(create?.pid) > 0);
            assert.equal(start?.pid, create?.pid);
            assert.equal(added?.exec_id, 'ev-exec');
            assert.equal(started?.exec_id, 'ev-exec');
            assert.equal(execExit?.id, 'ev-exec');
            assert.equal(execExit?.pid, started?.pid);
            assert.equal(execExit?.exit_status, 5);
            assert.equal(initExit?.id, id);
            assert.equal(initExit?.pid, create?.pid);
            assert.equal(initExit?.exit_status, 137);
            assert.equal(del?.pid, create?.pid);
            assert.equal(del?.exit_status, 137);
          } finally {
            await watch.stop();
          }
        },
      );
    },
  );
}
