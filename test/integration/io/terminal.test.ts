import { after, afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createProcessIO, type ProcessIO } from '../../../src/shim/io/index.ts';
import {
  FifoReader,
  FifoWriter,
  makeTempDir,
  mkfifo,
  removeDir,
  testContext,
  type LogEntry,
} from './helpers.ts';

// runc's part with --console-socket: make a pty, send the master over the socket, run the program on the slave.
const fakeRunc = `
import os, socket, subprocess, sys
master, slave = os.openpty()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
socket.send_fds(s, [b"/dev/ptmx"], [master])
s.close()
os.close(master)
p = subprocess.Popen(sys.argv[2:], stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
os.close(slave)
print("sent", flush=True)
sys.exit(p.wait())
`;

describe('terminal stdio', () => {
  const dir = makeTempDir('tsshim-io-tty-');
  const script = join(dir, 'fake-runc.py');
  writeFileSync(script, fakeRunc);
  let io: ProcessIO | undefined;
  let runc: ChildProcess | undefined;
  const clients: { close(): void }[] = [];
  const logs: LogEntry[] = [];

  afterEach(async () => {
    if (runc && runc.exitCode === null) runc.kill('SIGKILL');
    for (const c of clients.splice(0)) c.close();
    await io?.close();
    io = undefined;
  });
  after(() => removeDir(dir));

  /** starts the fake runc and resolves once it has handed over the master */
  function startRunc(socketPath: string, argv: string[]): Promise<{ exited: Promise<number> }> {
    const proc = spawn('python3', [script, socketPath, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
    runc = proc;
    const exited = new Promise<number>((resolve) => proc.on('exit', (code) => resolve(code ?? -1)));
    return new Promise((resolve, reject) => {
      proc.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('sent')) resolve({ exited });
      });
      proc.on('error', reject);
      proc.on('exit', (code) => reject(new Error(`fake runc exited early (${code})`)));
    });
  }

  test('console bytes flow both ways and resize changes the window size', async () => {
    const stdin = mkfifo(join(dir, 'stdin'));
    const stdout = mkfifo(join(dir, 'stdout'));
    const out = new FifoReader(stdout);
    const inp = new FifoWriter(stdin);
    clients.push(out, inp);
    io = await createProcessIO({ stdin, stdout, stderr: '', terminal: true }, testContext(logs));
    assert.deepEqual(io.runcIo, {});
    const sock = io.consoleSocket;
    assert.ok(sock && existsSync(sock));
    const { exited } = await startRunc(sock, ['sh', '-c', 'read line; stty size; echo "got:$line"']);
    await io.start();
    assert.equal(
      existsSync(dirname(sock)),
      false,
      'the console socket directory is removed once the master is in',
    );
    io.resize(100, 40);
    await inp.write('hello\n');
    assert.equal(await exited, 0);
    const text = (await out.ended).toString();
    assert.match(text, /hello\r?\n/, 'the terminal echoes input');
    assert.match(text, /40 100\r?\n/, 'stty size sees rows=40 cols=100');
    assert.match(text, /got:hello\r?\n/);
    await io.outputDone(30_000);
  });

  test('stdin EOF does not close the console; output is kept until the program exits', async () => {
    const stdin = mkfifo(join(dir, 'stdin2'));
    const stdout = mkfifo(join(dir, 'stdout2'));
    const out = new FifoReader(stdout);
    const inp = new FifoWriter(stdin);
    clients.push(out, inp);
    io = await createProcessIO({ stdin, stdout, stderr: '', terminal: true }, testContext(logs));
    const sock = io.consoleSocket;
    assert.ok(sock);
    const { exited } = await startRunc(sock, ['sh', '-c', 'read a; sleep 0.3; echo "after:$a"']);
    await io.start();
    await inp.write('x\n');
    await inp.end();
    io.closeStdin();
    assert.equal(await exited, 0);
    assert.match((await out.ended).toString(), /after:x\r?\n/);
  });

  test('close before start removes the console socket directory', async () => {
    io = await createProcessIO({ stdin: '', stdout: '', stderr: '', terminal: true }, testContext(logs));
    const sock = io.consoleSocket;
    assert.ok(sock && existsSync(sock));
    await io.close();
    io = undefined;
    assert.equal(existsSync(dirname(sock)), false);
  });
});
