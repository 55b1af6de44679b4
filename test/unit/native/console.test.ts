// runc --console-socket: a peer sends a pty master by SCM_RIGHTS; we receive a working fd.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { native } from '../../../src/native/index.ts';
import { spawn } from '../../../src/spawn/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'tsshim-console-'));
const fds: number[] = [];
after(() => {
  for (const fd of fds) closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

// Plays runc: opens a pty, sends the master over the console socket, then reports what the slave sees.
const PEER = `
import fcntl, json, os, socket, struct, sys, termios
master, slave = os.openpty()
conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
conn.connect(sys.argv[1])
socket.send_fds(conn, [b'x'], [master])
conn.close(); os.close(master)
line = b''
while not line.endswith(b'\\n'):
    line += os.read(slave, 100)
rows, cols = struct.unpack('HHHH', fcntl.ioctl(slave, termios.TIOCGWINSZ, b'\\0' * 8))[:2]
print(json.dumps({'line': line.decode(), 'rows': rows, 'cols': cols}))
`;

function listen(name: string): number {
  const fd = native().unixListen(join(dir, name), 16);
  fds.push(fd);
  return fd;
}

async function receiveWhenConnected(listenFd: number): Promise<number> {
  const deadline = Date.now() + 10_000; // safety net only
  for (;;) {
    try {
      return native().consoleSocketReceive(listenFd);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EAGAIN' || Date.now() > deadline) throw error;
      await sleep(10);
    }
  }
}

test('consoleSocketReceive returns the pty master a peer sent; resize and writes reach the slave', async () => {
  const listenFd = listen('console.sock');
  const peer = spawn('python3', ['-c', PEER, join(dir, 'console.sock')]);
  try {
    const master = await receiveWhenConnected(listenFd);
    fds.push(master);
    assert.match(readFileSync(`/proc/self/fdinfo/${master}`, 'utf8'), /^tty-index:/m); // a pty master
    native().setWinsize(master, 123, 45);
    writeSync(master, 'hello\n');
    const result = await peer.exited;
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { line: 'hello\n', rows: 45, cols: 123 });
  } finally {
    peer.kill('SIGKILL'); // no-op once it has exited
  }
});

test('consoleSocketReceive throws EAGAIN with no pending connection', () => {
  assert.throws(() => native().consoleSocketReceive(listen('idle.sock')), { code: 'EAGAIN' });
});

test('a connection that sends bytes but no fd is an error', async () => {
  const listenFd = listen('nofd.sock');
  const client = connect(join(dir, 'nofd.sock'));
  await new Promise<void>((resolve) => client.write('x', () => resolve()));
  try {
    assert.throws(() => native().consoleSocketReceive(listenFd), { code: 'EBADMSG', message: /pty master/ });
  } finally {
    client.destroy();
  }
});

test('unixListen errors name the path', () => {
  listen('taken.sock');
  assert.throws(() => native().unixListen(join(dir, 'taken.sock'), 16), {
    code: 'EADDRINUSE',
    message: /taken\.sock/,
  });
  assert.throws(() => native().unixListen(join(dir, 'x'.repeat(200)), 16), { code: 'ENAMETOOLONG' });
});
