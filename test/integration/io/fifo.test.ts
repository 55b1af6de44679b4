import { after, afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createProcessIO, type ProcessIO } from '../../../src/shim/io/index.ts';
import {
  delay,
  FifoReader,
  FifoWriter,
  killIfRunning,
  makeTempDir,
  mkfifo,
  removeDir,
  runWithIo,
  testContext,
  waitUntil,
  type Child,
  type LogEntry,
} from './helpers.ts';

const openFdCount = (): number => readdirSync('/proc/self/fd').length;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('fifo stdio', () => {
  const dir = makeTempDir('tsshim-io-fifo-');
  let io: ProcessIO | undefined;
  let child: Child | undefined;
  const clients: { close(): void }[] = [];
  let logs: LogEntry[] = [];

  afterEach(async () => {
    killIfRunning(child);
    child = undefined;
    for (const c of clients.splice(0)) c.close();
    await io?.close();
    io = undefined;
    logs = [];
  });
  after(() => removeDir(dir));

  function reader(path: string): FifoReader {
    const r = new FifoReader(path);
    clients.push(r);
    return r;
  }

  function writer(path: string): FifoWriter {
    const w = new FifoWriter(path);
    clients.push(w);
    return w;
  }

  /** like ctr: make the FIFOs and start opening the client ends before Create */
  function fifos(name: string, streams: { stdin?: boolean; stderr?: boolean }) {
    const stdout = mkfifo(join(dir, `${name}-stdout`));
    const stderr = streams.stderr === false ? '' : mkfifo(join(dir, `${name}-stderr`));
    const stdin = streams.stdin ? mkfifo(join(dir, `${name}-stdin`)) : '';
    return {
      cfg: { stdin, stdout, stderr, terminal: false },
      out: reader(stdout),
      err: stderr ? reader(stderr) : undefined,
      in: stdin ? writer(stdin) : undefined,
    };
  }

  test('null IO hands runc no fds when all three streams are empty', async () => {
    io = await createProcessIO({ stdin: '', stdout: '', stderr: '', terminal: false }, testContext(logs));
    assert.deepEqual(io.runcIo, {});
    assert.equal(io.consoleSocket, undefined);
    await io.start();
    await io.outputDone(1000);
  });

  test('stdout and stderr arrive exactly, including the last bytes written right before exit', async () => {
    const f = fifos('exact', {});
    io = await createProcessIO(f.cfg, testContext(logs));
    const script = 'printf "out-1\\n"; printf "err-1\\n" >&2; printf LAST-OUT; printf LAST-ERR >&2';
    child = runWithIo('sh', ['-c', script], io.runcIo);
    await io.start();
    assert.equal(await child.exited, 0);
    await io.outputDone(30_000);
    assert.equal((await f.out.ended).toString(), 'out-1\nLAST-OUT');
    assert.equal((await f.err?.ended)?.toString(), 'err-1\nLAST-ERR');
  });

  test('output is done only once the client has read it: a FIFO is not closed on unread bytes', async () => {
    // containerd 2.x clients close their read end right after Delete returns; bytes left in the FIFO then
    // would be lost, so the shim holds the FIFO until the reader has taken them
    const stdout = mkfifo(join(dir, 'unread-stdout'));
    const readerFd = openSync(stdout, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      io = await createProcessIO({ stdin: '', stdout, stderr: '', terminal: false }, testContext(logs));
      child = runWithIo('sh', ['-c', 'printf payload'], io.runcIo);
      await io.start();
      assert.equal(await child.exited, 0);
      let done = false;
      const finished = io.outputDone(30_000).then(() => (done = true));
      await delay(500);
      assert.equal(done, false, 'not done while the bytes sit unread in the FIFO');
      const buf = Buffer.alloc(64);
      const n = readSync(readerFd, buf, 0, buf.length, null);
      assert.equal(buf.subarray(0, n).toString(), 'payload');
      await finished;
      assert.equal(done, true);
    } finally {
      closeSync(readerFd);
    }
  });

  test('the pipe ends the container gets are owned by io_uid:io_gid', async () => {
    const f = fifos('owner', { stdin: true });
    io = await createProcessIO(f.cfg, testContext(logs, { ioUid: 1234, ioGid: 4321 }));
    const script = 'stat -L -c "%u:%g" /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2 > /proc/self/fd/1';
    child = runWithIo('sh', ['-c', script], io.runcIo);
    await io.start();
    assert.equal(await child.exited, 0);
    assert.equal((await f.out.ended).toString(), '1234:4321\n1234:4321\n1234:4321\n');
  });

  test('close releases every fd the IO opened', async () => {
    const before = openFdCount();
    const f = fifos('leak', { stdin: true });
    io = await createProcessIO(f.cfg, testContext(logs));
    child = runWithIo('sh', ['-c', 'echo x; echo y >&2'], io.runcIo);
    await io.start();
    assert.equal(await child.exited, 0);
    await io.outputDone(30_000);
    await io.close();
    io = undefined;
    for (const c of clients.splice(0)) c.close();
    await waitUntil(
      () => openFdCount() <= before,
      10_000,
      `fd count back to ${before} (now ${openFdCount()})`,
    );
  });

  test('30 MB of output arrives intact and in order', async () => {
    const f = fifos('big', { stderr: false });
    const file = join(dir, 'big.bin');
    const payload = randomBytes(30 * 1024 * 1024);
    writeFileSync(file, payload);
    io = await createProcessIO(f.cfg, testContext(logs));
    child = runWithIo('sh', ['-c', 'cat "$0"; printf END', file], io.runcIo);
    await io.start();
    const got = await f.out.ended;
    assert.equal(await child.exited, 0);
    assert.equal(got.length, payload.length + 3);
    assert.equal(sha256(got), sha256(Buffer.concat([payload, Buffer.from('END')])));
  });

  test('the child can open /dev/stdout and /dev/stderr (real pipes, not socketpairs)', async () => {
    const f = fifos('devstdout', {});
    io = await createProcessIO(f.cfg, testContext(logs));
    child = runWithIo('sh', ['-c', 'echo hi > /dev/stdout && echo there > /dev/stderr'], io.runcIo);
    await io.start();
    assert.equal(await child.exited, 0);
    assert.equal((await f.out.ended).toString(), 'hi\n');
    assert.equal((await f.err?.ended)?.toString(), 'there\n');
  });

  test('stdin reaches the process, which sees EOF only after CloseIO', async () => {
    const f = fifos('stdin', { stdin: true, stderr: false });
    io = await createProcessIO(f.cfg, testContext(logs));
    child = runWithIo('cat', [], io.runcIo);
    await io.start();
    await f.in?.write('hello stdin\n');
    await f.in?.end();
    await f.out.waitFor('hello stdin\n');
    // The client's writer is gone, but the shim's closer keeps the FIFO from reaching EOF.
    await delay(300);
    assert.equal(child.proc.exitCode, null, 'cat must still be running before CloseIO');
    io.closeStdin();
    assert.equal(await child.exited, 0);
    assert.equal((await f.out.ended).toString(), 'hello stdin\n');
  });

  test('2 MB of stdin reaches the process intact and in order', async () => {
    const f = fifos('stdin-big', { stdin: true, stderr: false });
    io = await createProcessIO(f.cfg, testContext(logs));
    child = runWithIo('cat', [], io.runcIo);
    await io.start();
    const payload = randomBytes(2 * 1024 * 1024);
    await f.in?.write(payload);
    await f.in?.end();
    io.closeStdin();
    assert.equal(await child.exited, 0);
    assert.equal(sha256(await f.out.ended), sha256(payload));
  });

  test('CloseIO before start still lets stdin reach EOF when the client closes', async () => {
    const f = fifos('stdin-early', { stdin: true, stderr: false });
    io = await createProcessIO(f.cfg, testContext(logs));
    child = runWithIo('cat', [], io.runcIo);
    io.closeStdin();
    await io.start();
    await f.in?.write('early\n');
    await f.in?.end();
    assert.equal(await child.exited, 0);
    assert.equal((await f.out.ended).toString(), 'early\n');
  });

  test('a regular file as the stdout path is appended to', async () => {
    const file = join(dir, 'plain.log');
    writeFileSync(file, 'before\n');
    io = await createProcessIO({ stdin: '', stdout: file, stderr: '', terminal: false }, testContext(logs));
    child = runWithIo('sh', ['-c', 'echo after'], io.runcIo);
    await io.start();
    assert.equal(await child.exited, 0);
    await io.outputDone(30_000);
    assert.equal(readFileSync(file, 'utf8'), 'before\nafter\n');
  });

  test("a missing stdout path fails start with containerd's message", async () => {
    const cfg = { stdin: '', stdout: join(dir, 'does-not-exist'), stderr: '', terminal: false };
    io = await createProcessIO(cfg, testContext(logs));
    await assert.rejects(io.start(), /opening w\/o fifo ".*does-not-exist" failed/);
  });

  test('a slow reader that keeps reading loses nothing', async () => {
    const f = fifos('slow', { stderr: false });
    const file = join(dir, 'slow.bin');
    const payload = randomBytes(4 * 1024 * 1024);
    writeFileSync(file, payload);
    io = await createProcessIO(f.cfg, testContext(logs));
    child = runWithIo('cat', [file], io.runcIo);
    await io.start();
    f.out.throttle(15);
    assert.equal(sha256(await f.out.ended), sha256(payload));
    assert.equal(await child.exited, 0);
    assert.deepEqual(
      logs.filter((l) => l.level === 'warn'),
      [],
    );
  });

  test('a reader that closes makes the writer wait; a reader that reopens gets every byte in order', async () => {
    const stdout = mkfifo(join(dir, 'reopen-stdout'));
    // the first client reads a little by hand, so no byte it took is left in a stream's buffer when it closes
    const firstFd = openSync(stdout, constants.O_RDONLY | constants.O_NONBLOCK);
    io = await createProcessIO({ stdin: '', stdout, stderr: '', terminal: false }, testContext(logs));
    const wrote = join(dir, 'reopen-wrote');
    const payload = Buffer.from(Array.from({ length: 400_000 }, (_, i) => `${i}\n`).join(''));
    const file = join(dir, 'reopen.txt');
    writeFileSync(file, payload);
    child = runWithIo('sh', ['-c', 'cat "$1"; : > "$0"', wrote, file], io.runcIo);
    await io.start();
    const buf = Buffer.alloc(10_000);
    let n = 0;
    await waitUntil(
      () => {
        try {
          n = readSync(firstFd, buf, 0, buf.length, null);
        } catch {
          n = 0; // EAGAIN: nothing yet
        }
        return n > 0;
      },
      30_000,
      'first bytes',
    );
    closeSync(firstFd);
    const first = buf.subarray(0, n);
    // nobody reads: the FIFO and the container's pipe fill, and the writer waits instead of losing output
    await delay(1500);
    assert.equal(existsSync(wrote), false, 'the writer is still blocked');
    const rest = await reader(stdout).ended;
    assert.equal(await child.exited, 0);
    assert.equal(Buffer.concat([first, rest]).toString(), payload.toString());
    assert.deepEqual(
      logs.filter((l) => l.level === 'warn'),
      [],
    );
  });
});
