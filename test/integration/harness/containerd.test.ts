// Proves the containerd harness on every supported containerd release, with that release's own Go shim:
// a daemon starts, imports the busybox image, runs a container, and leaves nothing behind.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { isClean, leftovers, type LeftoverScope } from '../../helpers/cleanup.ts';
import { containerdVersions, skipReason, withContainerd } from '../../helpers/containerd.ts';

async function eventually<T>(read: () => T, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const version of containerdVersions) {
  describe(`containerd ${version} harness (Go shim)`, { skip: skipReason(version) }, () => {
    test(
      'ctr run --rm prints the container output and leaves nothing behind',
      { timeout: 180_000 },
      async () => {
        let scope: LeftoverScope | undefined;
        let daemonRoot = '';
        await withContainerd(version, { shim: 'go' }, async (daemon) => {
          scope = daemon.scope();
          daemonRoot = daemon.root;
          const image = await daemon.importImage();
          const run = await daemon.ctr(['run', '--rm', image, 'harness-echo', 'echo', 'hello'], {
            timeoutMs: 60_000,
          });
          assert.equal(run.code, 0, `ctr run failed: ${run.stderr}`);
          assert.equal(run.stdout, 'hello\n');
          // With --rm the task and container are deleted: the shim exits, the rootfs is unmounted and the
          // container's cgroup and runc state are gone, while the daemon keeps running.
          const afterRun = await daemon.leftovers();
          assert.ok(
            isClean(afterRun),
            `left behind after ctr run --rm: ${JSON.stringify(afterRun, null, 2)}`,
          );
          const containers = await daemon.ctr(['containers', 'list', '--quiet']);
          assert.equal(containers.stdout.trim(), '');
        });
        assert.ok(scope, 'daemon scope recorded');
        const afterStop = leftovers(scope);
        assert.ok(isClean(afterStop), `left behind after stop: ${JSON.stringify(afterStop, null, 2)}`);
        assert.equal(existsSync(daemonRoot), false, 'temp dirs removed');
      },
    );

    test('a container still running at stop() is killed and cleaned up', { timeout: 180_000 }, async () => {
      let scope: LeftoverScope | undefined;
      await withContainerd(version, { shim: 'go' }, async (daemon) => {
        scope = daemon.scope();
        const image = await daemon.importImage();
        const run = await daemon.ctr(['run', '-d', image, 'harness-sleep', 'sleep', '600']);
        assert.equal(run.code, 0, `ctr run -d failed: ${run.stderr}`);
        // runc start returns before the container's init has exec'd `sleep`: poll (the timeout is a safety net).
        const running = await eventually(
          () => leftovers(daemon.scope()),
          (l) => l.processes.some((p) => p.cmdline === 'sleep 600'),
        );
        assert.ok(
          running.processes.some((p) => p.cmdline === 'sleep 600'),
          'the container process is seen',
        );
        assert.ok(running.mounts.length > 0, 'the container rootfs mount is seen');
        assert.ok(running.runcState.length > 0, 'the runc state is seen');
      });
      assert.ok(scope, 'daemon scope recorded');
      const afterStop = leftovers(scope);
      assert.ok(isClean(afterStop), `left behind after stop: ${JSON.stringify(afterStop, null, 2)}`);
    });

    test('restart() brings the daemon back with its running containers', { timeout: 180_000 }, async () => {
      await withContainerd(version, { shim: 'go' }, async (daemon) => {
        const image = await daemon.importImage();
        const run = await daemon.ctr(['run', '-d', image, 'harness-restart', 'sleep', '600']);
        assert.equal(run.code, 0, `ctr run -d failed: ${run.stderr}`);
        await daemon.restart();
        const tasks = await daemon.ctr(['tasks', 'list']);
        assert.equal(tasks.code, 0, tasks.stderr);
        assert.match(tasks.stdout, /harness-restart\s+\d+\s+RUNNING/);
        const kill = await daemon.ctr(['tasks', 'kill', '--signal', 'SIGKILL', 'harness-restart']);
        assert.equal(kill.code, 0, kill.stderr);
      });
    });
  });
}
