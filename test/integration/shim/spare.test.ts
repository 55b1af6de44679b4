// The pre-booted daemon ("spare"): `start` hands a new sandbox to a daemon that is already booted, then boots the
// next one. These are its rules: one spare per containerd, owning nothing; an adopted spare is a daemon like any
// other; concurrent starts never share one; a dead or wedged spare costs only the boot it would have saved; it
// leaves once containerd is gone or after its idle time; TSSHIM_SPARE=0 turns it off.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive } from '../../helpers/cleanup.ts';
import { skipReason, startContainerd, tsshimBinary, type Containerd } from '../../helpers/containerd.ts';
import {
  ctrOk,
  eventually,
  listTasks,
  parentPid,
  shimProcesses,
  shimTestVersions,
  sleep,
  spareProcesses,
  tempDir,
  waitForStatus,
  writeExecutable,
} from './helpers.ts';

/** inodes of the abstract sockets whose name starts so (/proc/net/unix lists them as @name): a spare's handover
 *  name (`tsshim-spare/`), or the spare lock (`tsshim-spare-lock/`) */
function spareSocketInodes(prefix = 'tsshim-spare/'): Set<string> {
  const inodes = new Set<string>();
  for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[7]?.startsWith(`@${prefix}`)) inodes.add(cols[6] ?? '');
  }
  return inodes;
}

function socketInodesOf(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`)
    .map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .map((l) => /^socket:\[(\d+)\]$/.exec(l)?.[1])
    .filter((i): i is string => i !== undefined);
}

const title = (pid: number): string =>
  readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();

async function oneSpare(d: Containerd): Promise<{ pid: number; cmdline: string }> {
  const spares = await eventually(
    () => spareProcesses(d),
    (s) => s.length === 1,
    10_000,
  );
  assert.equal(spares.length, 1, `one spare for ${d.address}: ${JSON.stringify(spares)}`);
  return spares[0]!;
}

async function shimOf(d: Containerd, id: string): Promise<number> {
  const shims = await eventually(
    () => shimProcesses(d).filter((s) => s.id === id),
    (s) => s.length === 1,
  );
  assert.equal(shims.length, 1, `the shim of ${id}`);
  return shims[0]!.pid;
}

for (const version of shimTestVersions()) {
  describe(
    `tsshim under containerd ${version}: the pre-booted daemon`,
    { skip: skipReason(version), concurrency: false },
    () => {
      let d: Containerd;
      let image: string;
      const dir = tempDir('tsshim-spare-rt-');
      before(async () => {
        d = await startContainerd(version, { shim: 'tsshim', logLevel: 'debug' });
        image = await d.importImage();
      });
      after(async () => {
        await d?.stop();
        dir.remove();
      });

      test('one spare per containerd, owning no shim socket, bundle or container; the next sandbox is its', async () => {
        const first = `spare-a-${version.replace('.', '')}`;
        await ctrOk(d, ['run', '-d', image, first, 'sleep', '600']);
        const spare = await oneSpare(d);
        assert.match(spare.cmdline, new RegExp(` spare -address ${d.address}( |$)`));
        assert.equal(readlinkSync(`/proc/${spare.pid}/cwd`), '/', 'in no bundle');
        const ownsSpareName = socketInodesOf(spare.pid).filter((i) => spareSocketInodes().has(i));
        assert.equal(ownsSpareName.length, 1, 'one of its sockets is the abstract handover name');
        const ownsLock = socketInodesOf(spare.pid).filter((i) =>
          spareSocketInodes('tsshim-spare-lock/').has(i),
        );
        assert.equal(ownsLock.length, 1, 'the other is the spare lock it holds until it adopts a sandbox');
        assert.equal(
          socketInodesOf(spare.pid).length,
          2,
          'no other socket (none in the shim socket directory)',
        );
        const children = readdirSync('/proc').filter(
          (p) => /^\d+$/.test(p) && alive(Number(p)) && parentPid(Number(p)) === spare.pid,
        );
        assert.deepEqual(children, [], 'no container');

        const second = `spare-b-${version.replace('.', '')}`;
        // the runtime records the environment it was started with: the adopted daemon's, which containerd gave
        const envFile = join(dir.path, `${second}.env`);
        const wrapper = writeExecutable(
          join(dir.path, 'runc-env'),
          [
            '#!/bin/sh',
            `case " $* " in *" create "*) env > ${envFile} ;; esac`,
            'exec /usr/sbin/runc "$@"',
            '',
          ].join('\n'),
        );
        await ctrOk(d, ['run', '-d', '--runc-binary', wrapper, image, second, 'sleep', '600']);
        await waitForStatus(d, second, 'RUNNING');
        const shim = await shimOf(d, second);
        assert.equal(shim, spare.pid, 'the spare adopted the new sandbox');
        // as a booted daemon: its title, its environment, its containers as children, its OOM score
        assert.match(
          title(shim),
          new RegExp(`containerd-shim-runc-v2 -namespace ${d.namespace} -id ${second} -address ${d.address}`),
        );
        const env = Object.fromEntries(
          readFileSync(envFile, 'utf8')
            .split('\n')
            .filter((l) => l.includes('='))
            .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
        );
        assert.equal(env.TTRPC_ADDRESS, d.ttrpcAddress);
        assert.equal(env.OTEL_SERVICE_NAME, `containerd-shim-${second}`);
        const task = (await listTasks(d)).find((t) => t.id === second);
        assert.ok(task, 'the task is listed');
        assert.equal(parentPid(task.pid), shim, "the container's init is the adopted daemon's child");
        const containerdPid = d.scope().ignorePids?.[0];
        if (containerdPid) {
          const base = Number(readFileSync(`/proc/${containerdPid}/oom_score_adj`, 'utf8'));
          assert.equal(Number(readFileSync(`/proc/${shim}/oom_score_adj`, 'utf8')), Math.min(1000, base + 1));
        }
        assert.equal(
          socketInodesOf(shim).filter((i) => spareSocketInodes().has(i)).length,
          0,
          'it stopped listening for handovers',
        );
        assert.equal(
          socketInodesOf(shim).filter((i) => spareSocketInodes('tsshim-spare-lock/').has(i)).length,
          0,
          'and let go of the spare lock',
        );
        const next = await oneSpare(d);
        assert.notEqual(next.pid, spare.pid, 'a new spare replaced it');
        for (const id of [first, second]) {
          await ctrOk(d, ['task', 'kill', '--signal', 'SIGKILL', id]);
          await waitForStatus(d, id, 'STOPPED');
          await ctrOk(d, ['task', 'delete', id]);
          await ctrOk(d, ['container', 'delete', id]);
        }
      });

      test('with a spare up, start boots no Node: the spare does it; a grouped start leaves the spare a spare', async () => {
        const spare = await oneSpare(d);
        const pod = `spare-p-${version.replace('.', '')}`;
        const logFrom = d.log().length;
        await ctrOk(d, ['run', '-d', image, pod, 'sleep', '600']);
        assert.equal(await shimOf(d, pod), spare.pid, 'the spare serves the new sandbox');
        // the daemon says how it came by its sandbox: from the start client, i.e. no Node `start` ran
        const serving = await eventually(
          () =>
            d
              .log()
              .slice(logFrom)
              .split('\n')
              .filter((l) => l.includes('shim serving') && l.includes(pod)),
          (lines) => lines.length > 0,
        );
        assert.match(serving.join('\n'), /start client/);

        const next = await oneSpare(d);
        const member = `spare-m-${version.replace('.', '')}`;
        await ctrOk(d, [
          'run',
          '-d',
          '--annotation',
          `io.kubernetes.cri.sandbox-id=${pod}`,
          image,
          member,
          'sleep',
          '600',
        ]);
        await waitForStatus(d, member, 'RUNNING');
        assert.equal(
          (await listTasks(d)).filter((t) => t.id === member).length,
          1,
          'the grouped container runs',
        );
        assert.equal(parentPid((await listTasks(d)).find((t) => t.id === member)!.pid), spare.pid);
        assert.ok(alive(next.pid), 'the spare that answered for the running shim lives on');
        assert.match(title(next.pid), / spare -address /, 'still a spare');
        assert.equal((await oneSpare(d)).pid, next.pid, 'and still the only one');
        for (const id of [member, pod]) {
          await ctrOk(d, ['task', 'kill', '--signal', 'SIGKILL', id]);
          await waitForStatus(d, id, 'STOPPED');
          await ctrOk(d, ['task', 'delete', id]);
          await ctrOk(d, ['container', 'delete', id]);
        }
      });

      test('concurrent starts never share a spare: each sandbox has its own daemon', async () => {
        await oneSpare(d);
        const ids = [0, 1, 2, 3].map((i) => `spare-c${i}-${version.replace('.', '')}`);
        await Promise.all(ids.map((id) => ctrOk(d, ['run', '-d', image, id, 'sleep', '600'])));
        const pids = await Promise.all(ids.map((id) => shimOf(d, id)));
        assert.equal(new Set(pids).size, ids.length, `distinct daemons: ${pids.join(' ')}`);
        for (const id of ids) {
          await waitForStatus(d, id, 'RUNNING');
          await ctrOk(d, ['task', 'kill', '--signal', 'SIGKILL', id]);
          await waitForStatus(d, id, 'STOPPED');
          await ctrOk(d, ['task', 'delete', id]);
          await ctrOk(d, ['container', 'delete', id]);
        }
        await oneSpare(d);
      });

      test('a wedged spare is passed over and never adopts later; a dead one is replaced', async () => {
        const wedged = await oneSpare(d);
        process.kill(wedged.pid, 'SIGSTOP');
        try {
          const id = `spare-w-${version.replace('.', '')}`;
          const out = await ctrOk(d, ['run', '--rm', image, id, 'echo', 'started all the same'], {
            timeoutMs: 60_000,
          });
          assert.equal(out, 'started all the same\n');
        } finally {
          process.kill(wedged.pid, 'SIGCONT');
        }
        await sleep(500);
        assert.ok(alive(wedged.pid), 'the wedged spare lives on');
        assert.match(
          title(wedged.pid),
          / spare -address /,
          'it did not adopt the sandbox it was too late for',
        );
        process.kill(wedged.pid, 'SIGKILL');
        const id = `spare-k-${version.replace('.', '')}`;
        const out = await ctrOk(d, ['run', '--rm', image, id, 'echo', 'no spare needed'], {
          timeoutMs: 60_000,
        });
        assert.equal(out, 'no spare needed\n');
        const replaced = await oneSpare(d);
        assert.notEqual(replaced.pid, wedged.pid);
      });
    },
  );
}

describe('a spare on its own (no containerd)', () => {
  const dir = tempDir('tsshim-spare-');
  after(() => dir.remove());

  function bootSpare(
    address: string,
    env: Record<string, string> = {},
  ): { pid: number; exited: Promise<number | null> } {
    const child = spawn(tsshimBinary, ['-address', address, 'spare'], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { pid: child.pid!, exited };
  }

  test('it exits within a second once containerd’s socket is gone; a second spare for the address exits at once', async () => {
    const address = join(dir.path, 'containerd.sock');
    writeFileSync(address, '');
    const spare = bootSpare(address);
    await eventually(
      () => title(spare.pid),
      (t) => / spare -address /.test(t),
      10_000,
    );
    const second = bootSpare(address);
    assert.equal(await second.exited, 0, 'the name is taken: the second spare leaves');
    assert.ok(alive(spare.pid), 'the first stays');
    rmSync(address);
    const gone = Date.now();
    await spare.exited;
    assert.ok(Date.now() - gone < 1500, `exited ${Date.now() - gone} ms after the socket went`);
  });

  test('it exits after its idle time (TSSHIM_SPARE_IDLE_SECONDS)', async () => {
    const address = join(dir.path, 'idle.sock');
    writeFileSync(address, '');
    const booted = Date.now();
    const spare = bootSpare(address, { TSSHIM_SPARE_IDLE_SECONDS: '2' });
    assert.equal(await spare.exited, 0);
    const lived = Date.now() - booted;
    assert.ok(lived >= 2000 && lived < 6000, `lived ${lived} ms`);
  });
});

describe('TSSHIM_SPARE=0', () => {
  let d: Containerd | undefined;
  after(async () => {
    await d?.stop();
  });
  test('no spare is booted; containers start as before', { skip: skipReason('2') }, async () => {
    d = await startContainerd('2', { shim: 'tsshim', env: { TSSHIM_SPARE: '0' } });
    const image = await d.importImage();
    const out = await ctrOk(d, ['run', '--rm', image, 'nospare', 'echo', 'booted'], { timeoutMs: 60_000 });
    assert.equal(out, 'booted\n');
    await sleep(1000);
    assert.deepEqual(spareProcesses(d), []);
  });
});
