// The start client (src/native/start-client.c), driven against a spare played here: it finds the spare by the
// name identity.ts derives (two implementations of one rule), carries the bundle, arguments, environment and
// stdin, acts only after its confirmation, prints what the spare answers, boots the next spare detached under
// the spare lock, boots a daemon for its start alone when no spare answers in time, and runs the Node `start`
// when that daemon does not come up either.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeQuietly } from '../../../src/fs/close-quietly.ts';
import { native } from '../../../src/native/index.ts';
import { buildIdentity, spareLockName, spareName } from '../../../src/shim/spare/identity.ts';
import { CONFIRM, encode } from '../../../src/shim/spare/protocol.ts';
import { decodeStartRequest, encodeStartReply } from '../../../src/shim/spare/start-request.ts';

const client = resolve('build/Release/tsshim_start');
const dir = mkdtempSync(join(tmpdir(), 'tsshim-start-client-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// A stand-in for dist/shim/main.cjs. As the Node `start` it prints how it was run. As a daemon booted for one
// start (TSSHIM_SPARE_LISTEN_FD) it takes the request on that fd and answers with what it was given, unless the
// test wants it to die unborn. As the next spare (TSSHIM_SPARE_LOCK_FD) it writes down how it was booted.
const main = join(dir, 'main.cjs');
writeFileSync(
  main,
  `
const args = process.argv.slice(2);
if (process.env.TSSHIM_SPARE_LOCK_FD === '3') {
  const fs = require('fs');
  fs.writeFileSync(process.env.TEST_NEXT_SPARE_FILE, JSON.stringify({
    ppid: process.ppid, cwd: process.cwd(), lock: fs.readlinkSync('/proc/self/fd/3'),
    command: [...process.execArgv, ...args.slice(0, 3), 'title room ' + (args[3] || '').length],
  }));
} else if (process.env.TSSHIM_SPARE_LISTEN_FD !== '3') {
  process.stdout.write('node start: ' + args.join(' '));
} else if (process.env.TEST_DAEMON_DIES !== '1') {
  const addon = require(${JSON.stringify(resolve('build/Release/tsshim_native.node'))});
  let conn;
  for (;;) { try { conn = addon.seqpacketAccept(3); break; } catch { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); } }
  const request = addon.recvMessage(conn, 5000, 1 << 20);
  addon.sendMessage(conn, Buffer.from(JSON.stringify({ pid: process.pid })), -1);
  addon.recvMessage(conn, 5000, 64);
  const flags = process.execArgv.join(' ');
  const out = 'daemon for one start: ' + flags + ' | ' + args.slice(0, 3).join(' ') + ' | title room ' + (args[3] || '').length + ' | stdin ' + require('fs').readFileSync(request.fd);
  const header = ['tsshim-start-done 1', '0', String(Buffer.byteLength(out)), '0', '0'].join('\\0') + '\\0';
  addon.sendMessage(conn, Buffer.from(header + out), -1);
}
`,
);
writeFileSync(join(dir, 'daemon.cjs'), '// the daemon code whose build names the spare');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let addresses = 0;
function freshAddress(): string {
  return join(dir, `containerd-${addresses++}.sock`);
}

/** the daemon's node flags, as the launcher passes them: a count, then the flags */
const DAEMON_FLAGS = ['--v8-pool-size=1', '--no-warnings'];

interface Client {
  result: Promise<Run>;
  /** the client's stdin has been written and closed (reading it before would wait on this process) */
  stdinClosed: Promise<void>;
}

function startClient(address: string, stdin: string, env: Record<string, string> = {}): Client {
  const args = [
    process.execPath,
    main,
    String(DAEMON_FLAGS.length),
    ...DAEMON_FLAGS,
    ...['-namespace', 'ns1', '-id', 'c1', '-address', address, 'start'],
  ];
  const child = spawn(client, args, { cwd: dir, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const stdinClosed = new Promise<void>((resolveStdin) => child.stdin.end(stdin, resolveStdin));
  const result = new Promise<Run>((resolveRun) =>
    child.on('close', (code) => resolveRun({ code, stdout, stderr })),
  );
  return { result, stdinClosed };
}

function runClient(address: string, stdin: string, env: Record<string, string> = {}): Promise<Run> {
  return startClient(address, stdin, env).result;
}

/** accepts one connection within a few seconds (the client is another process: poll for it) */
async function acceptOne(listenFd: number): Promise<number> {
  for (let i = 0; i < 500; i++) {
    try {
      return native().seqpacketAccept(listenFd);
    } catch {
      await sleep(10);
    }
  }
  throw new Error('the client never connected');
}

/** Plays a spare up to the client's confirmation: accept, take the request, acknowledge, read the confirmation. */
async function confirmedRequest(listenFd: number): Promise<{ conn: number; data: Buffer; stdinFd: number }> {
  const conn = await acceptOne(listenFd);
  const received = native().recvMessage(conn, 5000, 1 << 20);
  native().sendMessage(conn, encode({ pid: process.pid }), -1);
  assert.equal(native().recvMessage(conn, 5000, 64).data.toString(), CONFIRM);
  return { conn, data: received.data, stdinFd: received.fd };
}

function listenAsSpare(address: string): number {
  return native().seqpacketListen(spareName(address, buildIdentity(main, process.execPath)));
}

test('it reaches the spare of its containerd and build, which answers for it; it boots the next spare', async () => {
  const address = freshAddress();
  const listenFd = listenAsSpare(address);
  const booted = join(dir, 'next-spare-booted');
  try {
    const client = startClient(address, 'bootstrap-bytes', {
      TSSHIM_TEST_MARK: 'a=b=c',
      TEST_NEXT_SPARE_FILE: booted,
    });
    const conn = await acceptOne(listenFd);
    const received = native().recvMessage(conn, 5000, 1 << 20);
    const request = decodeStartRequest(received.data);
    assert.ok(request, 'a well-formed request');
    assert.equal(request.cwd, dir, 'its working directory: the bundle');
    assert.equal(request.parentPid, process.pid, 'its parent: containerd');
    assert.deepEqual(request.argv, ['-namespace', 'ns1', '-id', 'c1', '-address', address, 'start']);
    assert.equal(request.env.TSSHIM_TEST_MARK, 'a=b=c');
    assert.ok(received.fd >= 0, 'its stdin beside the request');
    native().sendMessage(conn, encode({ pid: process.pid }), -1);
    assert.equal(native().recvMessage(conn, 5000, 64).data.toString(), CONFIRM);
    await client.stdinClosed;
    assert.equal(readFileSync(received.fd).toString(), 'bootstrap-bytes');
    closeQuietly(received.fd);
    native().sendMessage(
      conn,
      encodeStartReply({
        code: 3,
        stdout: Buffer.from('unix:///run/x.sock\0binary'),
        stderr: 'a warning',
        bootNextSpare: true,
      }),
      -1,
    );
    closeQuietly(conn);
    const result = await client.result;
    assert.equal(result.code, 3, 'the exit status the spare gave');
    assert.equal(result.stdout, 'unix:///run/x.sock\0binary', 'stdout byte for byte');
    assert.equal(result.stderr, 'a warning');
    for (let i = 0; i < 200 && !existsSync(booted); i++) await sleep(10);
    const next = JSON.parse(readFileSync(booted, 'utf8')) as {
      ppid: number;
      cwd: string;
      lock: string;
      command: string[];
    };
    assert.notEqual(
      next.ppid,
      process.pid,
      'the next spare is not the client’s child once the client is gone',
    );
    assert.equal(next.cwd, '/', 'it runs in /, in no bundle');
    assert.match(next.lock, /^socket:/, 'it holds the spare lock as fd 3');
    assert.deepEqual(
      next.command,
      [...DAEMON_FLAGS, '-address', address, 'spare', 'title room 384'],
      'the daemon command line: node flags, -address, spare, room for its title',
    );
  } finally {
    closeQuietly(listenFd);
  }
});

test('the spare lock held (a spare running or booting): no next spare is booted', async () => {
  const address = freshAddress();
  const name = spareName(address, buildIdentity(main, process.execPath));
  const listenFd = native().seqpacketListen(name);
  const lock = native().seqpacketListen(spareLockName(name));
  const booted = join(dir, 'no-next-spare');
  try {
    const run = runClient(address, '', { TEST_NEXT_SPARE_FILE: booted });
    const { conn, stdinFd } = await confirmedRequest(listenFd);
    closeQuietly(stdinFd);
    native().sendMessage(
      conn,
      encodeStartReply({ code: 0, stdout: Buffer.from('x'), stderr: '', bootNextSpare: true }),
      -1,
    );
    closeQuietly(conn);
    assert.equal((await run).code, 0);
    await sleep(300);
    assert.equal(existsSync(booted), false);
  } finally {
    closeQuietly(lock);
    closeQuietly(listenFd);
  }
});

test('no spare for this containerd: a daemon booted for this start alone does it', async () => {
  const other = listenAsSpare(freshAddress()); // another containerd's spare is not asked
  try {
    const address = freshAddress();
    const result = await runClient(address, 'options');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      `daemon for one start: ${DAEMON_FLAGS.join(' ')} | -address ${address} spare | title room 384 | stdin options`,
    );
  } finally {
    closeQuietly(other);
  }
});

test('TSSHIM_DAEMON_NODE_FLAGS replaces the daemon flags, as for a daemon the Node start boots', async () => {
  const result = await runClient(freshAddress(), '', { TSSHIM_DAEMON_NODE_FLAGS: ' --no-deprecation  ' });
  assert.match(result.stdout, /^daemon for one start: --no-deprecation \| /);
});

test('no spare, and the daemon it boots dies unborn: the Node start runs, with the same arguments', async () => {
  const result = await runClient(freshAddress(), '', { TEST_DAEMON_DIES: '1' });
  assert.equal(result.code, 0);
  assert.match(result.stdout, /^node start: -namespace ns1 -id c1 -address \S+ start$/);
});

test('a spare that does not acknowledge within 200 ms is left alone: the start goes to a daemon of its own', async () => {
  const address = freshAddress();
  const listenFd = listenAsSpare(address);
  try {
    const run = runClient(address, '');
    const conn = await acceptOne(listenFd);
    const received = native().recvMessage(conn, 5000, 1 << 20);
    await sleep(400);
    // too late: the client must not take this acknowledgement, nor confirm
    try {
      native().sendMessage(conn, encode({ pid: process.pid }), -1);
    } catch {
      // it closed the connection already
    }
    const result = await run;
    assert.match(result.stdout, /^daemon for one start: /);
    const confirm = native().recvMessage(conn, 1000, 64).data;
    assert.equal(confirm.length, 0, 'no confirmation: the connection ended');
    closeQuietly(received.fd);
    closeQuietly(conn);
  } finally {
    closeQuietly(listenFd);
  }
});

// after its confirmation the start is the spare's: a broken answer, or none, fails it (it may have done part of it)
for (const [what, answer, error] of [
  ['a reply it cannot read', Buffer.from('tsshim-start-done 1\0' + '0\0' + '999\0'), /malformed answer/],
  ['no reply at all (the spare went away)', undefined, /did not complete start/],
] as const) {
  test(`${what} after the confirmation fails the start with a clear error, printing nothing`, async () => {
    const address = freshAddress();
    const listenFd = listenAsSpare(address);
    try {
      const run = runClient(address, '');
      const { conn, stdinFd } = await confirmedRequest(listenFd);
      closeQuietly(stdinFd);
      if (answer) native().sendMessage(conn, answer, -1);
      closeQuietly(conn);
      const result = await run;
      assert.equal(result.code, 1);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, error);
    } finally {
      closeQuietly(listenFd);
    }
  });
}

test('anything but a start goes straight to Node', async () => {
  const child = spawn(client, [process.execPath, main, '0', '-v'], { cwd: dir });
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  const code = await new Promise((r) => child.on('close', r));
  assert.equal(code, 0);
  assert.equal(stdout, 'node start: -v');
});
