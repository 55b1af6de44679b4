import { after, afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createProcessIO, type ProcessIO } from '../../../src/shim/io/index.ts';
import {
  killIfRunning,
  makeTempDir,
  removeDir,
  runWithIo,
  testContext,
  waitUntil,
  type Child,
  type LogEntry,
} from './helpers.ts';

describe('file:// and binary:// stdio', () => {
  const dir = makeTempDir('tsshim-io-file-');
  let io: ProcessIO | undefined;
  let child: Child | undefined;
  const logs: LogEntry[] = [];

  afterEach(async () => {
    killIfRunning(child);
    child = undefined;
    await io?.close();
    io = undefined;
  });
  after(() => removeDir(dir));

  /** A logging binary in sh. Its environment has no PATH (only CONTAINER_ID/CONTAINER_NAMESPACE). */
  function logger(name: string, ready: 'close' | 'byte' | 'none'): { path: string; out: string } {
    const out = join(dir, name);
    const readyLine = { close: 'exec 5>&-', byte: 'printf x >&5; exec 5>&-', none: '' }[ready];
    const body = [
      '#!/bin/sh',
      `o=${out}`,
      // the environment the logger was started with, exactly
      '/usr/bin/tr "\\0" "\\n" < /proc/$$/environ > "$o.env"',
      'printf "%s\\n" "$@" > "$o.args"',
      ready === 'none' ? 'exit 0' : readyLine,
      '/bin/cat <&3 > "$o.stdout" &',
      '/bin/cat <&4 > "$o.stderr"',
      'wait',
      ': > "$o.done"',
    ].join('\n');
    const path = join(dir, `${name}.sh`);
    writeFileSync(path, body + '\n');
    chmodSync(path, 0o755);
    return { path, out };
  }

  test('file:// creates the parent directories and gets both streams appended', async () => {
    const file = join(dir, 'logs', 'nested', 'ctr.log');
    io = await createProcessIO(
      { stdin: '', stdout: `file://${file}`, stderr: '', terminal: false },
      testContext(logs),
    );
    assert.ok(io.runcIo.stdout !== undefined && io.runcIo.stderr !== undefined);
    child = runWithIo('sh', ['-c', 'printf "to-out\\n"; printf "to-err\\n" >&2'], io.runcIo);
    await io.start();
    assert.equal(await child.exited, 0);
    await io.outputDone(30_000);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).sort();
    assert.deepEqual(lines, ['to-err', 'to-out']);
  });

  test('binary:// starts the logger with fds 3/4, its args and only CONTAINER_ID/CONTAINER_NAMESPACE', async () => {
    const l = logger('v1', 'close');
    const uri = `binary://${l.path}?id=abc&mode=json`;
    io = await createProcessIO(
      { stdin: '', stdout: uri, stderr: '', terminal: false },
      testContext(logs, { id: 'ctr-42', namespace: 'k8s.io' }),
    );
    assert.equal(io.runcIo.stdin, undefined, 'stdin is not supported with a logging binary');
    child = runWithIo('sh', ['-c', 'printf "hello out"; printf "hello err" >&2'], io.runcIo);
    await io.start();
    assert.equal(await child.exited, 0);
    await waitUntil(() => existsSync(`${l.out}.done`), 30_000, 'the logger to see EOF on fds 3 and 4');
    assert.equal(readFileSync(`${l.out}.stdout`, 'utf8'), 'hello out');
    assert.equal(readFileSync(`${l.out}.stderr`, 'utf8'), 'hello err');
    const env = readFileSync(`${l.out}.env`, 'utf8').split('\n').filter(Boolean).sort();
    assert.deepEqual(env, ['CONTAINER_ID=ctr-42', 'CONTAINER_NAMESPACE=k8s.io']);
    const args = readFileSync(`${l.out}.args`, 'utf8').trim().split('\n');
    const pairs = new Map([
      [args[0], args[1]],
      [args[2], args[3]],
    ]);
    assert.deepEqual(
      pairs,
      new Map([
        ['id', 'abc'],
        ['mode', 'json'],
      ]),
    );
  });

  test('binary-v2:// is ready once the logger writes a byte on fd 5', async () => {
    const l = logger('v2ok', 'byte');
    io = await createProcessIO(
      { stdin: '', stdout: `binary-v2://${l.path}`, stderr: '', terminal: false },
      testContext(logs),
    );
    child = runWithIo('sh', ['-c', 'printf v2'], io.runcIo);
    await io.start();
    assert.equal(await child.exited, 0);
    await waitUntil(() => existsSync(`${l.out}.done`), 30_000, 'the logger to finish');
    assert.equal(readFileSync(`${l.out}.stdout`, 'utf8'), 'v2');
  });

  test('binary-v2:// fails when the logger exits without writing the ready byte', async () => {
    const l = logger('v2bad', 'none');
    const before = readdirSync('/proc/self/fd').length;
    await assert.rejects(
      createProcessIO(
        { stdin: '', stdout: `binary-v2://${l.path}`, stderr: '', terminal: false },
        testContext(logs),
      ),
      { message: 'logging binary did not call ready (it may have crashed or exited prematurely)' },
    );
    assert.equal(readdirSync('/proc/self/fd').length, before, 'the failed Create released its pipes');
  });

  test('binary:// treats the logger closing fd 5 without a byte as ready', async () => {
    const l = logger('v1exit', 'none');
    io = await createProcessIO(
      { stdin: '', stdout: `binary://${l.path}`, stderr: '', terminal: false },
      testContext(logs),
    );
    assert.ok(io.runcIo.stdout !== undefined);
  });

  test('a logging binary that does not exist fails Create', async () => {
    await assert.rejects(
      createProcessIO(
        { stdin: '', stdout: `binary://${join(dir, 'no-such-logger')}`, stderr: '', terminal: false },
        testContext(logs),
      ),
    );
  });

  test('close stops a logger that keeps running (SIGTERM)', async () => {
    const path = join(dir, 'stubborn.sh');
    const pidFile = join(dir, 'stubborn.pid');
    writeFileSync(path, `#!/bin/sh\necho $$ > ${pidFile}\nexec 5>&-\nwhile :; do /bin/sleep 1; done\n`);
    chmodSync(path, 0o755);
    io = await createProcessIO(
      { stdin: '', stdout: `binary://${path}`, stderr: '', terminal: false },
      testContext(logs),
    );
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(processAlive(pid));
    await io.close();
    io = undefined;
    assert.equal(processAlive(pid), false);
  });

  test("terminal + binary:// copies the console into the logger's fd 3", async () => {
    const l = logger('tty', 'close');
    io = await createProcessIO(
      { stdin: '', stdout: `binary://${l.path}`, stderr: '', terminal: true },
      testContext(logs),
    );
    const sock = io.consoleSocket;
    assert.ok(sock);
    const py = [
      'import os, socket, sys',
      'm, s = os.openpty()',
      'c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1]); socket.send_fds(c, [b"x"], [m]); c.close(); os.close(m)',
      'os.write(s, b"from-tty"); os.close(s)',
    ].join('\n');
    const runc = runWithIo('python3', ['-c', py, sock], {});
    assert.equal(await runc.exited, 0);
    await io.start();
    await waitUntil(() => existsSync(`${l.out}.done`), 30_000, 'the logger to see EOF');
    assert.equal(readFileSync(`${l.out}.stdout`, 'utf8'), 'from-tty');
  });

  test('an unknown scheme fails Create', async () => {
    await assert.rejects(
      createProcessIO({ stdin: '', stdout: 'syslog://x', stderr: '', terminal: false }, testContext(logs)),
      { message: 'unknown STDIO scheme syslog' },
    );
  });
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie is not alive for our purposes
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}
