// run() and spawn() against real programs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, readFileSync, readSync, readlinkSync } from 'node:fs';
import { native } from '../../../src/native/index.ts';
import { run, spawn } from '../../../src/spawn/index.ts';

const fds: number[] = [];
after(() => fds.forEach((fd) => closeSync(fd)));

function pipe(): [number, number] {
  const ends = native().pipe();
  fds.push(...ends);
  return ends;
}

function readAll(fd: number): string {
  const buf = Buffer.alloc(4096);
  let out = '';
  for (let n; (n = readSync(fd, buf)) > 0;) out += buf.subarray(0, n).toString();
  return out;
}

/** Closes our copy of a write end so the reader sees EOF once the child is done. */
function closeWriteEnd(fd: number): void {
  closeSync(fd);
  fds.splice(fds.indexOf(fd), 1);
}

test('run captures stdout, stderr and a non-zero exit code without throwing', async () => {
  const r = await run('sh', ['-c', 'echo out; echo err >&2; exit 7']);
  assert.deepEqual(r, { exitCode: 7, stdout: 'out\n', stderr: 'err\n' });
});

test('run writes input to stdin and closes it; without input stdin is /dev/null', async () => {
  assert.equal((await run('cat', [], { input: 'line one\nline two' })).stdout, 'line one\nline two');
  assert.equal((await run('sh', ['-c', 'readlink /proc/self/fd/0'])).stdout, '/dev/null\n');
});

test('env replaces the environment; cwd is honoured', async () => {
  const r = await run('/bin/sh', ['-c', 'echo "$FOO ${HOME-unset}"; pwd'], {
    env: { FOO: 'bar', SKIPPED: undefined },
    cwd: '/tmp',
  });
  assert.equal(r.stdout, 'bar unset\n/tmp\n');
});

test('a missing program rejects with an error naming it', async () => {
  await assert.rejects(run('runcx-missing', ['--version']), {
    message: 'exec: "runcx-missing": executable file not found in $PATH',
    code: 'ENOENT',
  });
  await assert.rejects(run('/no/such/runc', []), {
    message: 'fork/exec /no/such/runc: no such file or directory',
  });
  assert.throws(() => spawn('runcx-missing', []), { message: /"runcx-missing": executable file not found/ });
});

test('integer stdio fds reach the child as real pipes, not socketpairs', async () => {
  const [r, w] = pipe();
  const res = await run(
    'sh',
    ['-c', 'readlink /proc/self/fd/1; echo via-dev-stdout > /dev/stdout; echo e >&2'],
    {
      stdio: { stdout: w },
    },
  );
  closeWriteEnd(w);
  assert.equal(res.exitCode, 0, res.stderr);
  assert.equal(res.stdout, '');
  assert.equal(res.stderr, 'e\n');
  assert.equal(readAll(r), `${readlinkSync(`/proc/self/fd/${r}`)}\nvia-dev-stdout\n`);
});

test('extraFds become fd 3 and 4 in the child', async () => {
  const [r3, w3] = pipe();
  const [r4, w4] = pipe();
  const res = await run('sh', ['-c', 'echo three >&3; echo four >&4'], { extraFds: [w3, w4] });
  closeWriteEnd(w3);
  closeWriteEnd(w4);
  assert.equal(res.exitCode, 0, res.stderr);
  assert.deepEqual([readAll(r3), readAll(r4)], ['three\n', 'four\n']);
});

test('timeoutMs kills the child and reports the signal', { timeout: 20_000 }, async () => {
  const r = await run('sleep', ['30'], { timeoutMs: 50 });
  assert.equal(r.signal, 'SIGTERM');
  assert.equal(r.exitCode, 143);
  assert.equal(r.timedOut, true);
});

test('an aborted signal kills the child', { timeout: 20_000 }, async () => {
  const controller = new AbortController();
  const pending = run('sleep', ['30'], { signal: controller.signal });
  controller.abort();
  assert.equal((await pending).signal, 'SIGTERM');
});

test('spawn returns the pid at once; kill() ends the child and exited reports the signal', async () => {
  const child = spawn('sleep', ['30']);
  assert.equal(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8'), 'sleep\x0030\x00');
  child.kill('SIGKILL');
  assert.deepEqual(await child.exited, { exitCode: 137, signal: 'SIGKILL', stdout: '', stderr: '' });
});

test('a detached child leads its own session', async () => {
  const child = spawn('sleep', ['30'], { detached: true, stdio: { stdout: 'ignore', stderr: 'ignore' } });
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]); // state ppid pgrp session
    assert.equal(session, child.pid);
  } finally {
    child.kill('SIGKILL');
    const holdLoop = setInterval(() => undefined, 1000); // the detached child is unref'd: it holds nothing
    await child.exited;
    clearInterval(holdLoop);
  }
});
