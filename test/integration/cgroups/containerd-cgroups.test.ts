// Stats, OOM and Update of our shim through real containerd releases: `ctr task metrics` decodes our
// metrics Any, an over-limit task is OOM-killed with /tasks/oom published, and Tasks.Update reaches the cgroup.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerdVersions, skipReason, withContainerd, type Containerd } from '../../helpers/containerd.ts';
import { updateTask } from './grpc-update.ts';

const MiB = 1024 * 1024;

async function eventually<T>(read: () => T, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function taskPid(daemon: Containerd, id: string): Promise<number> {
  const ls = await daemon.ctr(['task', 'ls']);
  const line = ls.stdout.split('\n').find((l) => l.split(/\s+/)[0] === id);
  const pid = Number(line?.split(/\s+/)[1]);
  assert.ok(pid > 0, `no pid for task ${id} in: ${ls.stdout}`);
  return pid;
}

/** the memory limit the kernel enforces on the pid's cgroup (v1 memory.limit_in_bytes, v2 memory.max) */
function cgroupMemoryLimit(pid: number): number {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1 = lines.find((l) => l.split(':')[1]?.split(',').includes('memory'));
  if (v1) {
    const path = v1.split(':').slice(2).join(':');
    return Number(readFileSync(join('/sys/fs/cgroup/memory', path, 'memory.limit_in_bytes'), 'utf8'));
  }
  const v2 = lines.find((l) => l.startsWith('0::'))!;
  return Number(readFileSync(join('/sys/fs/cgroup', v2.slice(3), 'memory.max'), 'utf8'));
}

interface MetricsJson {
  memory?: { usage?: { usage?: number; limit?: number } | number; usage_limit?: number };
}

function memoryOf(metrics: MetricsJson): { usage: number; limit: number } {
  const m = metrics.memory ?? {};
  // v1: memory.usage is a MemoryEntry; v2: memory.usage and memory.usage_limit are numbers
  if (typeof m.usage === 'number') return { usage: m.usage, limit: m.usage_limit ?? 0 };
  return { usage: m.usage?.usage ?? 0, limit: m.usage?.limit ?? 0 };
}

async function metrics(daemon: Containerd, id: string): Promise<MetricsJson> {
  const res = await daemon.ctr(['task', 'metrics', '--format', 'json', id]);
  assert.equal(res.code, 0, `ctr task metrics failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as MetricsJson;
}

for (const version of containerdVersions) {
  describe(`containerd ${version}: cgroups through tsshim`, { skip: skipReason(version) }, () => {
    test(
      'task metrics show memory usage and Update changes the memory limit',
      { timeout: 120_000 },
      async () => {
        await withContainerd(version, { shim: 'tsshim' }, async (daemon) => {
          const image = await daemon.importImage();
          const id = 'cg-metrics';
          const run = await daemon.ctr([
            'run',
            '-d',
            '--memory-limit',
            String(64 * MiB),
            image,
            id,
            'sleep',
            '600',
          ]);
          assert.equal(run.code, 0, `ctr run -d failed: ${run.stderr}`);
          const pid = await taskPid(daemon, id);

          const table = await daemon.ctr(['task', 'metrics', id]);
          assert.equal(table.code, 0, `ctr task metrics failed: ${table.stderr}`);
          assert.match(table.stdout, /memory\.(usage_in_bytes|usage)\s+[1-9]\d*/);
          const before = memoryOf(await metrics(daemon, id));
          assert.ok(before.usage > 0, 'memory usage is reported');
          assert.equal(before.limit, 64 * MiB);

          const ok = await updateTask(daemon.address, daemon.namespace, id, {
            json: JSON.stringify({ memory: { limit: 32 * MiB } }),
          });
          assert.deepEqual(ok, { code: 0, message: '' });
          assert.equal(cgroupMemoryLimit(pid), 32 * MiB);
          assert.equal(memoryOf(await metrics(daemon, id)).limit, 32 * MiB);

          const bad = await updateTask(daemon.address, daemon.namespace, id, { json: '{"memory": ' });
          assert.equal(
            bad.code,
            3,
            `a resources value that is not JSON is InvalidArgument: ${JSON.stringify(bad)}`,
          );
          assert.equal(cgroupMemoryLimit(pid), 32 * MiB, 'a refused update leaves the limit alone');

          assert.equal((await daemon.ctr(['task', 'kill', '-s', 'SIGKILL', id])).code, 0);
        });
      },
    );

    test(
      'a task over its memory limit is OOM-killed, exits 137 and /tasks/oom is published',
      { timeout: 120_000 },
      async () => {
        await withContainerd(version, { shim: 'tsshim' }, async (daemon) => {
          const image = await daemon.importImage();
          const events = daemon.ctrSpawn(['events']);
          let seen = '';
          events.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
          try {
            // `ctr events` subscribes asynchronously: wait until it has reported something of its own run
            const probe = await daemon.ctr(['run', '--rm', image, 'cg-probe', 'true']);
            assert.equal(probe.code, 0, probe.stderr);
            await eventually(
              () => seen,
              (s) => s.includes('/tasks/exit'),
            );
            assert.ok(seen.includes('/tasks/exit'), 'ctr events is subscribed');

            const id = 'cg-oom';
            // dd's 64 MiB buffer, filled from /dev/zero, cannot fit under a 16 MiB limit (no swap on the CI hosts)
            const run = await daemon.ctr(
              [
                'run',
                '--rm',
                '--memory-limit',
                String(16 * MiB),
                image,
                id,
                'dd',
                'if=/dev/zero',
                'of=/dev/null',
                'bs=64M',
                'count=1',
              ],
              { timeoutMs: 60_000 },
            );
            assert.equal(run.code, 137, `ctr run: ${JSON.stringify(run)}`);
            const oom = `/tasks/oom {"container_id":"${id}"}`;
            await eventually(
              () => seen,
              (s) => s.includes(oom),
            );
            assert.ok(seen.includes(oom), `no ${oom} in:\n${seen}`);
            assert.match(seen, new RegExp(`/tasks/exit \\{"container_id":"${id}".*"exit_status":137`));
          } finally {
            events.kill();
          }
        });
      },
    );
  });
}
