// The start client (src/native/start-client.c), driven against a spare played here: it finds the spare by the
// name identity.ts derives (two implementations of one rule), carries the bundle, arguments, environment and
// stdin, acts only after its confirmation, prints what the spare answers, boots the next spare detached, and
// falls back to the Node `start` whenever no spare answers in time.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeQuietly } from '../../../src/fs/close-quietly.ts';
import { native } from '../../../src/native/index.ts';
import { buildIdentity, spareName } from '../../../src/shim/spare/identity.ts';
import { CONFIRM, encode } from '../../../src/shim/spare/protocol.ts';
import { decodeStartRequest, encodeStartReply } from '../../../src/shim/spare/start-request.ts';

const client = resolve('build/Release/tsshim_start');
const dir = mkdtempSync(join(tmpdir(), 'tsshim-start-client-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// a stand-in for dist/shim: the Node `start` the client falls back to prints how it was run
const main = join(dir, 'main.cjs');
writeFileSync(main, `process.stdout.write('node start: ' + process.argv.slice(2).join(' '))`);
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

function runClient(address: string, stdin: string, env: Record<string, string> = {}): Promise<Run> {
  const args = [process.execPath, main, '-namespace', 'ns1', '-id', 'c1', '-address', address, 'start'];
  const child = spawn(client, args, { cwd: dir, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdin.end(stdin);
  return new Promise((resolveRun) => child.on('close', (code) => resolveRun({ code, stdout, stderr })));
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

function listenAsSpare(address: string): number {
  return native().seqpacketListen(spareName(address, buildIdentity(main, process.execPath)));
}

test('it reaches the spare of its containerd and build, which answers for it; it boots the next spare', async () => {
  const address = freshAddress();
  const listenFd = listenAsSpare(address);
  const booted = join(dir, 'next-spare-booted');
  try {
    const run = runClient(address, 'bootstrap-bytes', { TSSHIM_TEST_MARK: 'a=b=c' });
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
    assert.equal(readFileSync(received.fd).toString(), 'bootstrap-bytes');
    closeQuietly(received.fd);
    native().sendMessage(
      conn,
      encodeStartReply({
        code: 3,
        stdout: Buffer.from('unix:///run/x.sock\0binary'),
        stderr: 'a warning',
        nextSpare: ['/bin/sh', '-c', `echo "$PPID $(pwd)" > ${booted}`],
      }),
      -1,
    );
    closeQuietly(conn);
    const result = await run;
    assert.equal(result.code, 3, 'the exit status the spare gave');
    assert.equal(result.stdout, 'unix:///run/x.sock\0binary', 'stdout byte for byte');
    assert.equal(result.stderr, 'a warning');
    for (let i = 0; i < 200 && !existsSync(booted); i++) await sleep(10);
    const [ppid, cwd] = readFileSync(booted, 'utf8').trim().split(' ');
    assert.notEqual(
      Number(ppid),
      process.pid,
      'the next spare is not the client’s child once the client is gone',
    );
    assert.equal(cwd, '/', 'it runs in /, in no bundle');
  } finally {
    closeQuietly(listenFd);
  }
});

test('no spare for this containerd: the Node start runs, with the same arguments and stdin', async () => {
  const other = listenAsSpare(freshAddress()); // another containerd's spare is not asked
  try {
    const result = await runClient(freshAddress(), '');
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^node start: -namespace ns1 -id c1 -address \S+ start$/);
  } finally {
    closeQuietly(other);
  }
});

test('a spare that does not acknowledge within 200 ms is left alone: the Node start runs', async () => {
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
    assert.match(result.stdout, /^node start: /);
    const confirm = native().recvMessage(conn, 1000, 64).data;
    assert.equal(confirm.length, 0, 'no confirmation: the connection ended');
    closeQuietly(received.fd);
    closeQuietly(conn);
  } finally {
    closeQuietly(listenFd);
  }
});

test('a reply it cannot read fails the start with a clear error, printing nothing on stdout', async () => {
  const address = freshAddress();
  const listenFd = listenAsSpare(address);
  try {
    const run = runClient(address, '');
    const conn = await acceptOne(listenFd);
    const received = native().recvMessage(conn, 5000, 1 << 20);
    closeQuietly(received.fd);
    native().sendMessage(conn, encode({ pid: process.pid }), -1);
    native().recvMessage(conn, 5000, 64);
    native().sendMessage(conn, Buffer.from('tsshim-start-done 1\0' + '0\0' + '999\0'), -1);
    closeQuietly(conn);
    const result = await run;
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /malformed answer from the spare daemon/);
  } finally {
    closeQuietly(listenFd);
  }
});

test('a spare that confirms and then goes away fails the start: it may have done part of it', async () => {
  const address = freshAddress();
  const listenFd = listenAsSpare(address);
  try {
    const run = runClient(address, '');
    const conn = await acceptOne(listenFd);
    closeQuietly(native().recvMessage(conn, 5000, 1 << 20).fd);
    native().sendMessage(conn, encode({ pid: process.pid }), -1);
    native().recvMessage(conn, 5000, 64);
    closeQuietly(conn);
    const result = await run;
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /did not complete start/);
  } finally {
    closeQuietly(listenFd);
  }
});

test('anything but a start goes straight to Node', async () => {
  const child = spawn(client, [process.execPath, main, '-v'], { cwd: dir });
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  const code = await new Promise((r) => child.on('close', r));
  assert.equal(code, 0);
  assert.equal(stdout, 'node start: -v');
});
