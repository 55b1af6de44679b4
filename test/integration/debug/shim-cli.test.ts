// `tsshim shim` against a live tsshim (no containerd): the address is computed from --id/--namespace/
// --containerd-address as the shim computes it, and each command does what its Task call does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive } from '../../helpers/cleanup.ts';
import { startLiveShim, tsshimBin, type LiveShim } from '../../helpers/live-shim.ts';

function json<T>(text: string): T {
  return JSON.parse(text) as T;
}

async function eventually<T>(read: () => T, done: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('tsshim shim against a live shim', { timeout: 120_000 }, () => {
  let shim: LiveShim;
  before(async () => {
    shim = await startLiveShim();
  });
  after(async () => {
    await shim?.stop();
  });
  const run = (...args: string[]) => shim.tsshim(['shim', ...shim.target(), ...args]);

  test('state as json and as a table', () => {
    const res = run('--format', 'json', 'state');
    assert.equal(res.code, 0, res.stderr);
    const state = json<{ id: string; status: string; pid: number; bundle: string; exited_at: string }>(
      res.stdout,
    );
    assert.equal(state.id, shim.id);
    assert.equal(state.status, 'RUNNING');
    assert.equal(state.bundle, shim.bundle);
    assert.ok(state.pid > 0 && alive(state.pid));
    assert.equal(state.exited_at, '');

    const table = run('state');
    assert.equal(table.code, 0, table.stderr);
    const rows = new Map(
      table.stdout
        .trim()
        .split('\n')
        .map((l) => {
          const [k, ...v] = l.split(/\s+/);
          return [k!, v.join(' ')] as const;
        }),
    );
    assert.equal(rows.get('KEY'), 'VALUE');
    assert.equal(rows.get('status'), 'RUNNING');
    assert.equal(rows.get('pid'), String(state.pid));
  });

  test('--address works as well as --id', () => {
    const connect = json<{ shim_pid: number }>(run('--format', 'json', 'connect').stdout);
    assert.equal(connect.shim_pid, shim.shimPid);
    // the address the shim wrote into the bundle, given explicitly
    const res = shim.tsshim([
      'shim',
      '--address',
      addressOf(shim),
      '--id',
      shim.id,
      '--format',
      'json',
      'connect',
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(json<{ shim_pid: number }>(res.stdout).shim_pid, shim.shimPid);
  });

  test('exec runs a command with our stdio, returns its status and deletes the exec', async () => {
    const res = spawnSync(
      process.execPath,
      [
        tsshimBin,
        'shim',
        ...shim.target(),
        'exec',
        '--exec-id',
        'e1',
        '--',
        'sh',
        '-c',
        'echo out; echo err >&2; exit 3',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
    );
    assert.equal(res.status, 3, res.stderr);
    assert.equal(res.stdout, 'out\n');
    assert.equal(res.stderr, 'err\n');
    // the exec was deleted afterwards
    const gone = run('state', '--exec', 'e1');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /NotFound/);
  });

  test('pids shows the init process and a running exec with its exec id', async () => {
    await shim.call('Exec', 'containerd.task.v2.ExecProcessRequest', {
      id: shim.id,
      exec_id: 'sleeper',
      spec: {
        type_url: 'types.containerd.io/opencontainers/runtime-spec/1/Process',
        value: Buffer.from(
          JSON.stringify({ args: ['sleep', '600'], cwd: '/', user: { uid: 0, gid: 0 }, env: ['PATH=/bin'] }),
        ),
      },
    });
    await shim.call('Start', 'containerd.task.v2.StartRequest', { id: shim.id, exec_id: 'sleeper' });
    const pids = json<{ pid: number; exec_id: string }[]>(run('--format', 'json', 'pids').stdout);
    const state = json<{ pid: number }>(run('--format', 'json', 'state').stdout);
    assert.ok(
      pids.some((p) => p.pid === state.pid && p.exec_id === ''),
      JSON.stringify(pids),
    );
    const execState = json<{ pid: number; status: string }>(
      run('--format', 'json', 'state', '--exec', 'sleeper').stdout,
    );
    assert.equal(execState.status, 'RUNNING');
    assert.ok(
      pids.some((p) => p.pid === execState.pid && p.exec_id === 'sleeper'),
      JSON.stringify(pids),
    );
    const table = run('pids');
    assert.match(table.stdout, /^PID\s+EXEC_ID\n/);
    assert.match(table.stdout, new RegExp(`^${execState.pid}\\s+sleeper$`, 'm'));

    // kill --exec signals only that process; delete --exec reports its exit
    const kill = run('kill', '--exec', 'sleeper', '--signal', 'SIGKILL');
    assert.equal(kill.code, 0, kill.stderr);
    const stopped = await eventually(
      () =>
        json<{ status: string; exit_status: number }>(
          run('--format', 'json', 'state', '--exec', 'sleeper').stdout,
        ),
      (s) => s.status === 'STOPPED',
    );
    assert.equal(stopped.exit_status, 137);
    assert.equal(json<{ status: string }>(run('--format', 'json', 'state').stdout).status, 'RUNNING');
    const del = json<{ pid: number; exit_status: number; exited_at: string }>(
      run('--format', 'json', 'delete', '--exec', 'sleeper').stdout,
    );
    assert.equal(del.pid, execState.pid);
    assert.equal(del.exit_status, 137);
    assert.ok(!Number.isNaN(Date.parse(del.exited_at)));
  });

  test('dump returns the shim state and writes it to the shim log; SIGUSR1 writes it too', async () => {
    const res = run('--format', 'json', 'dump');
    assert.equal(res.code, 0, res.stderr);
    const dump = json<{
      pid: number;
      namespace: string;
      containers: { id: string; init: { pid: number; state: string } }[];
      events: { pending: unknown[]; failedAttempts: number };
      openFds: number;
      memory: { rss: number };
      uptimeSeconds: number;
      builtinModules: string[];
    }>(res.stdout);
    assert.equal(dump.pid, shim.shimPid);
    assert.equal(dump.namespace, shim.namespace);
    assert.equal(dump.containers.length, 1);
    assert.equal(dump.containers[0]!.id, shim.id);
    assert.equal(dump.containers[0]!.init.state, 'running');
    assert.ok(dump.openFds > 0);
    assert.ok(dump.memory.rss > 0);
    assert.ok(Array.isArray(dump.events.pending));
    // a shim at containerd's default level that started a container and ran an exec has written no log line, so
    // it never loaded pino (whose node:worker_threads and node:assert come with it), named its socket without
    // node:crypto and timed its requests without node:perf_hooks
    assert.ok(dump.builtinModules.includes('net'), dump.builtinModules.join(' '));
    for (const unwanted of ['crypto', 'perf_hooks', 'worker_threads', 'assert'])
      assert.ok(!dump.builtinModules.includes(unwanted), `${unwanted} in ${dump.builtinModules.join(' ')}`);
    const logged = await eventually(
      () => shim.log().filter((l) => l.includes('"state dump"')),
      (l) => l.length >= 1,
    );
    assert.equal(logged.length, 1);
    const table = run('dump');
    assert.match(table.stdout, new RegExp(`^containers\\.0\\.id\\s+${shim.id}$`, 'm'));

    process.kill(shim.shimPid, 'SIGUSR1');
    const after = await eventually(
      () => shim.log().filter((l) => l.includes('"state dump"')),
      (l) => l.length >= 3,
    );
    const last = JSON.parse(after.at(-1)!) as { dump: { containers: { id: string }[] } };
    assert.equal(last.dump.containers[0]!.id, shim.id);
  });

  test('kill, delete and shutdown end the container and then the shim', async () => {
    const state = json<{ pid: number }>(run('--format', 'json', 'state').stdout);
    assert.equal(run('kill', '--signal', '9', '--all').code, 0);
    await eventually(
      () => json<{ status: string }>(run('--format', 'json', 'state').stdout).status,
      (s) => s === 'STOPPED',
    );
    const del = run('--format', 'json', 'delete');
    assert.equal(del.code, 0, del.stderr);
    const deleted = json<{ pid: number; exit_status: number }>(del.stdout);
    assert.equal(deleted.pid, state.pid);
    assert.equal(deleted.exit_status, 137);
    const down = run('shutdown');
    assert.equal(down.code, 0, down.stderr);
    assert.equal(down.stdout, '');
    const gone = await eventually(
      () => alive(shim.shimPid),
      (a) => !a,
    );
    assert.equal(gone, false, 'the shim exited');
  });
});

function addressOf(shim: LiveShim): string {
  return readFileSync(join(shim.bundle, 'address'), 'utf8').trim();
}
