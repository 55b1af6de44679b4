// Pipes, fd plumbing, eventfd + uv_poll and peer credentials through the addon.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readlinkSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { native } from '../../../src/native/index.ts';

const opened: number[] = [];
const dir = mkdtempSync(join(tmpdir(), 'tsshim-fds-'));
after(() => {
  for (const fd of opened) {
    closeSync(fd);
  }
  rmSync(dir, { recursive: true, force: true });
});

function track<T extends number[]>(...fds: T): T {
  opened.push(...fds);
  return fds;
}

const O_CLOEXEC = 0o2000000;
function fdFlags(fd: number): number {
  const line = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').match(/^flags:\s+([0-7]+)/m);
  return parseInt(line?.[1] ?? '0', 8);
}

test('pipe() returns the two ends of a real close-on-exec pipe', () => {
  const [r, w] = track(...native().pipe());
  assert.match(readlinkSync(`/proc/self/fd/${r}`), /^pipe:\[\d+\]$/);
  assert.equal(readlinkSync(`/proc/self/fd/${r}`), readlinkSync(`/proc/self/fd/${w}`));
  assert.ok(fdFlags(r) & O_CLOEXEC && fdFlags(w) & O_CLOEXEC);
  writeSync(w, 'through');
  const buf = Buffer.alloc(16);
  assert.equal(buf.subarray(0, readSync(r, buf)).toString(), 'through');
});

test('fchown changes the owner of the pipe inode', () => {
  const [, w] = track(...native().pipe());
  native().fchown(w, 1234, 5678);
  const st = fstatSync(w);
  assert.deepEqual([st.uid, st.gid], [1234, 5678]);
});

test('dup2 makes the new fd refer to the same pipe; close closes it', () => {
  const [r, w] = track(...native().pipe());
  const [target] = track(openSync('/dev/null', 'w'));
  native().dup2(w, target);
  writeSync(target, 'dup');
  const buf = Buffer.alloc(8);
  assert.equal(buf.subarray(0, readSync(r, buf)).toString(), 'dup');
  native().close(target);
  opened.splice(opened.indexOf(target), 1); // its number may be reused by the time after() runs
  assert.throws(() => fstatSync(target), { code: 'EBADF' });
});

test('eventfd wakes pollReadable on the event loop and eventfdRead returns the counter', async () => {
  const [fd] = track(native().eventfd());
  assert.equal(native().eventfdRead(fd), 0); // nothing pending: non-blocking
  const value = await new Promise<number>((resolve) => {
    const poller = native().pollReadable(fd, () => {
      poller.close();
      resolve(native().eventfdRead(fd));
    });
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64LE(5n);
    writeSync(fd, counter);
  });
  assert.equal(value, 5);
});

test('an exception thrown by a pollReadable callback reaches uncaughtException', async () => {
  const [fd] = track(native().eventfd());
  const original = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  try {
    const caught = await new Promise<unknown>((resolve) => {
      process.once('uncaughtException', resolve);
      const poller = native().pollReadable(fd, () => {
        poller.close();
        throw new Error('from the poll callback');
      });
      const counter = Buffer.alloc(8);
      counter.writeBigUInt64LE(1n);
      writeSync(fd, counter);
    });
    assert.match(String(caught), /from the poll callback/);
  } finally {
    for (const listener of original) process.on('uncaughtException', listener);
  }
});

test('peerCredentials of a connected unix socket names the peer process', async () => {
  const path = join(dir, 'peer.sock');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const client = connect(path);
  const serverSide = await accepted;
  try {
    const fd = (serverSide as unknown as { _handle: { fd: number } })._handle.fd;
    assert.deepEqual(native().peerCredentials(fd), {
      pid: process.pid,
      uid: process.getuid?.(),
      gid: process.getgid?.(),
    });
  } finally {
    client.destroy();
    serverSide.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('errors carry the errno name and name the call', () => {
  const [r] = track(...native().pipe());
  assert.throws(() => native().peerCredentials(r), { code: 'ENOTSOCK', message: /SO_PEERCRED/ });
  assert.throws(() => native().setWinsize(r, 80, 24), { code: 'ENOTTY', message: /TIOCSWINSZ/ });
  assert.throws(() => native().dup2(987_654, 987_655), { code: 'EBADF', message: /^dup2 987654/ });
  assert.throws(() => native().fchown(987_654, 0, 0), { code: 'EBADF' });
  assert.throws(() => native().close(987_654), { code: 'EBADF' });
  assert.throws(() => native().eventfdRead(987_654), { code: 'EBADF' });
  assert.throws(() => native().pollReadable(987_654, () => undefined), { code: 'EBADF' });
});
