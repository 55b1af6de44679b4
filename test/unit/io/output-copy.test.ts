// OutputCopy's states and moves, over real pipes and the native copier: copying → done, copying →
// awaiting-reader → done, stop() from copying and from awaiting-reader, nothing after done; a full destination
// stops the reads (backpressure) and a destination that fails is reported once and drained.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, readSync, writeSync } from 'node:fs';
import { native } from '../../../src/native/index.ts';
import { OutputCopy, type OutputSink, type OutputSource } from '../../../src/shim/io/copy.ts';
import type { LogLevel } from '../../../src/shim/io/index.ts';

interface Logged {
  level: LogLevel;
  msg: string;
}

function pipeEnds(): { read: number; write: number } {
  const [read, write] = native().pipe();
  return { read, write };
}

/** a source or sink over an fd that counts its releases and closes the fd on the first */
function counted(fd: number): (OutputSource & OutputSink) & { releases: number } {
  const end = {
    fd,
    releases: 0,
    release(): void {
      end.releases++;
      if (end.releases === 1) closeSync(fd);
    },
  };
  return end;
}

/** what is in the pipe now, without blocking (the test's ends are blocking fds) */
function drain(fd: number): Buffer {
  const pending = native().pendingBytes(fd);
  if (pending === 0) return Buffer.alloc(0);
  const buf = Buffer.alloc(pending);
  const n = readSync(fd, buf, 0, pending, null);
  return buf.subarray(0, n);
}

const tick = (ms = 20): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function newCopy(source: OutputSource, sink: OutputSink, logs: Logged[] = []): OutputCopy {
  return new OutputCopy(source, sink, { name: 'c/stdout', log: (level, msg) => logs.push({ level, msg }) });
}

describe('OutputCopy states', () => {
  test('copying → done: the source ends, every byte is in the pipe, both ends released once', async () => {
    const from = pipeEnds();
    const to = pipeEnds();
    const source = counted(from.read);
    const sink = counted(to.write);
    const copy = newCopy(source, sink);
    assert.equal(copy.state, 'copying');
    writeSync(from.write, 'hello\n');
    closeSync(from.write);
    await copy.done;
    assert.equal(copy.state, 'done');
    assert.equal(drain(to.read).toString(), 'hello\n');
    assert.deepEqual([source.releases, sink.releases], [1, 1]);
    assert.equal(copy.stats().copied, 6);
    copy.stop();
    assert.equal(copy.state, 'done', 'stop after done changes nothing');
    assert.deepEqual([source.releases, sink.releases], [1, 1]);
    closeSync(to.read);
  });

  test('copying → awaiting-reader → done: a FIFO-like sink is released only once its reader has taken all', async () => {
    const from = pipeEnds();
    const to = pipeEnds();
    let readerTookAll = (): void => undefined;
    const sink = Object.assign(counted(to.write), {
      drained: () => new Promise<void>((resolve) => (readerTookAll = resolve)),
    });
    const copy = newCopy(counted(from.read), sink);
    closeSync(from.write);
    await tick();
    assert.equal(copy.state, 'awaiting-reader');
    assert.equal(sink.releases, 0, 'the writer stays open for the reader');
    readerTookAll();
    await copy.done;
    assert.equal(copy.state, 'done');
    assert.equal(sink.releases, 1);
    closeSync(to.read);
  });

  test('copying → stopped: stop() releases both ends and settles done; a second stop is a no-op', async () => {
    const from = pipeEnds();
    const to = pipeEnds();
    const source = counted(from.read);
    const sink = counted(to.write);
    const copy = newCopy(source, sink);
    copy.stop();
    await copy.done;
    assert.equal(copy.state, 'stopped');
    copy.stop();
    assert.deepEqual([source.releases, sink.releases], [1, 1]);
    closeSync(from.write);
    closeSync(to.read);
  });

  test('awaiting-reader → stopped: closing the IO does not wait for the reader', async () => {
    const from = pipeEnds();
    const to = pipeEnds();
    const sink = Object.assign(counted(to.write), { drained: () => new Promise<void>(() => undefined) });
    const copy = newCopy(counted(from.read), sink);
    closeSync(from.write);
    await tick();
    assert.equal(copy.state, 'awaiting-reader');
    copy.stop();
    await copy.done;
    assert.equal(copy.state, 'stopped');
    assert.equal(sink.releases, 1);
    closeSync(to.read);
  });

  test('a full destination stops the reads: the writer waits, and gets every byte through once read', async () => {
    const from = pipeEnds();
    const to = pipeEnds();
    const copy = newCopy(counted(from.read), counted(to.write));
    const size = 4 * 1024 * 1024;
    const writer = spawn('head', ['-c', String(size), '/dev/zero'], {
      stdio: ['ignore', from.write, 'ignore'],
    });
    closeSync(from.write);
    const exited = new Promise<void>((resolve) => writer.on('exit', () => resolve()));
    await tick(300);
    assert.equal(writer.exitCode, null, 'the writer is blocked on its full pipe');
    const copied = copy.stats().copied;
    assert.ok(copied > 0 && copied <= 1024 * 1024, `no more than the destination holds: ${copied}`);
    let received = 0;
    while (copy.state === 'copying') {
      received += drain(to.read).length;
      await tick(1);
    }
    received += drain(to.read).length;
    await exited;
    await copy.done;
    assert.equal(received, size);
    closeSync(to.read);
  });

  test('a destination that fails is reported once and the rest is drained, so the writer never waits', async () => {
    const from = pipeEnds();
    const to = pipeEnds();
    closeSync(to.read); // nobody will ever read: EPIPE
    const logs: Logged[] = [];
    const copy = newCopy(counted(from.read), counted(to.write), logs);
    writeSync(from.write, Buffer.alloc(32 * 1024, 'a'));
    await tick();
    writeSync(from.write, Buffer.alloc(32 * 1024, 'b'));
    closeSync(from.write);
    await copy.done;
    assert.equal(copy.state, 'done');
    assert.equal(logs.filter((l) => l.msg.startsWith('writing container output failed')).length, 1);
    assert.equal(copy.stats().discarded, 64 * 1024);
  });
});

describe('OutputCopy with dropLines (TSSHIM_OUTPUT_DROP_LINES=1)', () => {
  test('a destination that takes nothing never makes the writer wait; only whole lines are dropped, and counted', async () => {
    const from = pipeEnds();
    const to = pipeEnds();
    const logs: Logged[] = [];
    const copy = new OutputCopy(counted(from.read), counted(to.write), {
      name: 'c/stdout',
      log: (level, msg) => logs.push({ level, msg }),
      dropLines: true,
    });
    // numbered lines, far more than the pipe and the copy's buffer hold; nobody reads until the end
    const lines = Array.from({ length: 200_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}\n`);
    const writer = spawn('sh', ['-c', 'cat'], { stdio: ['pipe', from.write, 'ignore'] });
    closeSync(from.write);
    const exited = new Promise<number | null>((resolve) => writer.on('exit', (code) => resolve(code)));
    assert.ok(writer.stdin, 'a pipe to the writer');
    writer.stdin.end(lines.join(''));
    assert.equal(await exited, 0, 'the writer finished although nobody read');
    let received = '';
    while (copy.state === 'copying') {
      received += drain(to.read).toString();
      await tick(5);
    }
    received += drain(to.read).toString();
    await copy.done;
    const got = received.split('\n').slice(0, -1);
    assert.ok(
      got.length > 0 && got.length < lines.length,
      `some lines arrived, some were dropped: ${got.length}`,
    );
    // every line that arrived is whole and in order
    let previous = -1;
    for (const line of got) {
      const m = /^line (\d+) (x*)$/.exec(line);
      assert.ok(m, `a whole line: ${JSON.stringify(line.slice(0, 80))}`);
      const n = Number(m[1]);
      assert.equal(m[2]!.length, n % 50);
      assert.ok(n > previous, 'in order');
      previous = n;
    }
    const { droppedLines } = copy.stats();
    assert.equal(
      droppedLines,
      lines.length - got.length,
      'every line is either delivered or counted as dropped',
    );
    assert.ok(logs.some((l) => l.level === 'warn' && l.msg.includes('lines were dropped')));
    closeSync(to.read);
  });
});
