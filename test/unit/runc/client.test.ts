// The Runc client against a fake runtime script that records how it was called.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runc, RuncError } from '../../../src/runc/index.ts';

const FAKE = `#!/bin/sh
rec="$FAKE_RECORD"
: > "$rec"
for a in "$@"; do printf '%s\\n' "$a" >> "$rec"; done
echo "NOTIFY=\${NOTIFY_SOCKET-unset}" > "$rec.env"
readlink /proc/$$/fd/3 > "$rec.fd3" 2>/dev/null || true
if [ "$FAKE_STDIN" = 1 ]; then cat > "$rec.stdin"; fi
prev=""
for a in "$@"; do
  case "$prev" in
    --process) cp "$a" "$rec.process" ;;
    --pid-file) [ -n "$FAKE_PID" ] && printf '%s' "$FAKE_PID" > "$a" ;;
    --log) [ -n "$FAKE_LOG_LINE" ] && printf '%s\\n' "$FAKE_LOG_LINE" >> "$a" ;;
  esac
  prev="$a"
done
[ -n "$FAKE_STDOUT" ] && printf '%s' "$FAKE_STDOUT"
[ -n "$FAKE_STDERR" ] && printf '%s' "$FAKE_STDERR" >&2
exit \${FAKE_EXIT:-0}
`;

const dir = mkdtempSync(join(tmpdir(), 'runc-client-test-'));
const binary = join(dir, 'fake-runc');
const record = join(dir, 'record');
const log = join(dir, 'log.json');

before(() => {
  writeFileSync(binary, FAKE);
  chmodSync(binary, 0o755);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function fake(env: Record<string, string> = {}, extra: { log?: string } = { log }): Runc {
  return new Runc({
    binary,
    root: '/run/test-root',
    ...extra,
    logFormat: 'json',
    env: { PATH: process.env.PATH, FAKE_RECORD: record, NOTIFY_SOCKET: '/run/systemd/notify', ...env },
  });
}

function recordedArgs(): string[] {
  return readFileSync(record, 'utf8').split('\n').slice(0, -1);
}

describe('Runc client', () => {
  test('global flags precede the command; NOTIFY_SOCKET is not passed on', async () => {
    const state = {
      ociVersion: '1.0.2',
      id: 'c1',
      pid: 42,
      status: 'running',
      bundle: '/b',
      rootfs: '/b/r',
      created: 'x',
    };
    const st = await fake({ FAKE_STDOUT: JSON.stringify(state) }).state('c1');
    assert.equal(st.pid, 42);
    assert.equal(st.status, 'running');
    assert.deepEqual(recordedArgs(), [
      '--root',
      '/run/test-root',
      '--log',
      log,
      '--log-format',
      'json',
      'state',
      'c1',
    ]);
    assert.equal(readFileSync(`${record}.env`, 'utf8').trim(), 'NOTIFY=unset');
  });

  test('ps parses the pid list', async () => {
    assert.deepEqual(await fake({ FAKE_STDOUT: '[7,8]' }).ps('c1'), [7, 8]);
    assert.deepEqual(recordedArgs().slice(-4), ['ps', '--format', 'json', 'c1']);
  });

  test('update sends the resources JSON on stdin', async () => {
    const resources = { memory: { limit: 1048576 }, pids: { limit: 10 } };
    await fake({ FAKE_STDIN: '1' }).update('c1', resources);
    assert.deepEqual(recordedArgs().slice(-3), ['update', '--resources=-', 'c1']);
    assert.deepEqual(JSON.parse(readFileSync(`${record}.stdin`, 'utf8')), resources);
  });

  test('exec writes the process to a runc-process temp file and removes it', async () => {
    const tmp = mkdtempSync(join(dir, 'exec-'));
    const spec = { terminal: false, args: ['sh', '-c', 'echo hi'], cwd: '/', env: ['A=b'] };
    await fake().exec('c1', spec, { pidFile: '/b/e1.pid', tmpDir: tmp });
    const args = recordedArgs();
    const processFile = args[args.indexOf('--process') + 1] ?? '';
    assert.match(processFile, new RegExp(`^${tmp}/runc-process[0-9]+-[0-9a-z]+-[0-9]+$`));
    assert.deepEqual(args.slice(args.indexOf('exec')), [
      'exec',
      '--process',
      processFile,
      '--detach',
      '--pid-file',
      '/b/e1.pid',
      'c1',
    ]);
    assert.deepEqual(JSON.parse(readFileSync(`${record}.process`, 'utf8')), spec);
    assert.deepEqual(readdirSync(tmp), []);
  });

  test('exec removes the process file when runc fails too', async () => {
    const tmp = mkdtempSync(join(dir, 'exec-fail-'));
    await assert.rejects(fake({ FAKE_EXIT: '1' }).exec('c1', {}, { pidFile: '/p', tmpDir: tmp }), RuncError);
    assert.deepEqual(readdirSync(tmp), []);
  });

  test('create hands extra fds to the runtime and counts them in --preserve-fds', async () => {
    const fd = openSync(join(dir, 'extra'), 'w');
    try {
      rmSync(`${record}.fd3`, { force: true });
      await fake().create('c1', { bundle: '/b', pidFile: '/b/init.pid', extraFds: [fd] });
      assert.deepEqual(recordedArgs().slice(-3), ['--preserve-fds', '1', 'c1']);
      assert.equal(readFileSync(`${record}.fd3`, 'utf8').trim(), join(dir, 'extra'));
    } finally {
      closeSync(fd);
    }
  });

  test('restore returns the pid written to the pid file', async () => {
    const pidFile = join(dir, 'restore.pid');
    const pid = await fake({ FAKE_PID: '4321' }).restore('c1', { imagePath: '/img', bundle: '/b', pidFile });
    assert.equal(pid, 4321);
    assert.ok(recordedArgs().includes('-no-subreaper'));
  });

  test('failure message: the error logged by this call', async () => {
    writeFileSync(log, '{"level":"error","msg":"stale"}\n');
    const err = await fake({
      FAKE_EXIT: '1',
      FAKE_LOG_LINE: '{"level":"error","msg":"container not running"}',
      FAKE_STDERR: 'stderr text',
    })
      .kill('c1', 9, { all: true })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof RuncError);
    assert.equal(err.message, 'runc kill failed: container not running');
    assert.equal(err.runtimeMessage, 'container not running');
    assert.equal(err.exitCode, 1);
    assert.deepEqual(recordedArgs().slice(-4), ['kill', '--all', 'c1', '9']);
  });

  test('failure message: stderr when nothing was logged, then the exit status', async () => {
    writeFileSync(log, '{"level":"error","msg":"stale"}\n');
    await assert.rejects(fake({ FAKE_EXIT: '2', FAKE_STDERR: 'boom on stderr\n' }).start('c1'), {
      name: 'RuncError',
      message: 'OCI runtime start failed: boom on stderr',
    });
    await assert.rejects(fake({ FAKE_EXIT: '3' }).delete('c1', { force: true }), {
      message: 'runc delete failed: exit status 3',
      exitCode: 3,
    });
  });

  test('without --log, JSON log lines on stderr give the reason', async () => {
    await assert.rejects(
      fake({ FAKE_EXIT: '1', FAKE_STDERR: '{"level":"error","msg":"container does not exist"}\n' }, {}).pause(
        'c1',
      ),
      { runtimeMessage: 'container does not exist' },
    );
    assert.ok(!recordedArgs().includes('--log'));
  });

  test('features: no global flags; undefined when the runtime does not support it', async () => {
    assert.equal(
      await fake({ FAKE_STDOUT: '{"ociVersionMin":"1.0.0"}' }).features(),
      '{"ociVersionMin":"1.0.0"}',
    );
    assert.deepEqual(recordedArgs(), ['features']);
    assert.equal(
      await fake({ FAKE_EXIT: '1', FAKE_STDERR: 'unknown command features' }).features(),
      undefined,
    );
  });
});
