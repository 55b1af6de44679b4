import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LineWriter } from '../../../src/shim/log/line-writer.ts';
import { createLogger } from '../../../src/shim/logger.ts';

/** a FIFO with a non-blocking reader and writer, as the shim's log FIFO is once containerd reads it */
function fifo(t: { after(fn: () => void): void }): { readFd: number; writeFd: number; readAll(): string } {
  const dir = mkdtempSync(join(tmpdir(), 'tsshim-log-'));
  const path = join(dir, 'log');
  execFileSync('mkfifo', [path]);
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  t.after(() => {
    closeSync(readFd);
    closeSync(writeFd);
    rmSync(dir, { recursive: true, force: true });
  });
  const readAll = (): string => {
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(65536);
    for (;;) {
      let n = 0;
      try {
        n = readSync(readFd, buf);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw err;
      }
      if (n === 0) break;
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return Buffer.concat(chunks).toString();
  };
  return { readFd, writeFd, readAll };
}

function parseLines(text: string): Record<string, unknown>[] {
  assert.ok(text === '' || text.endsWith('\n'), 'the output ends with a whole line');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('writes one JSON line per call with the base fields, the call fields and msg; debug only when asked', (t) => {
  const f = fifo(t);
  const quiet = createLogger(f.writeFd, false, { namespace: 'ns', path: '/b' });
  quiet.log('debug', 'not shown');
  quiet.log('info', 'hello "there"', { id: 'c1', n: 3n, err: new Error('boom'), skip: undefined });
  const lines = parseLines(f.readAll());
  assert.equal(lines.length, 1);
  const [line] = lines;
  assert.equal(line?.level, 'info');
  assert.equal(line?.msg, 'hello "there"');
  assert.equal(line?.namespace, 'ns');
  assert.equal(line?.path, '/b');
  assert.equal(line?.pid, process.pid);
  assert.equal(line?.runtime, 'io.containerd.runc.v2');
  assert.equal(line?.id, 'c1');
  assert.equal(line?.n, '3');
  assert.match(String(line?.err), /boom/);
  assert.ok(!('skip' in (line ?? {})));
  assert.ok(!Number.isNaN(Date.parse(String(line?.time))));
  const loud = createLogger(f.writeFd, true, {});
  loud.log('debug', 'shown');
  assert.equal(parseLines(f.readAll())[0]?.msg, 'shown');
});

test('the line format containerd logs is the one the shim wrote before pino: key order, level words, RFC 3339 time', (t) => {
  const f = fifo(t);
  const logger = createLogger(f.writeFd, true, { namespace: 'ns', path: '/b' });
  logger.log('warn', 'w');
  logger.log('debug', 'd', { durationMs: 1.5 });
  logger.log('error', 'e', { error: 'x\ny' });
  const text = f.readAll();
  const time = /"time":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"/g;
  assert.equal([...text.matchAll(time)].length, 3);
  const base = `"runtime":"io.containerd.runc.v2","pid":${process.pid},"namespace":"ns","path":"/b"`;
  assert.equal(
    text.replace(time, '"time":"T"'),
    [
      `{"level":"warn","time":"T",${base},"msg":"w"}`,
      `{"level":"debug","time":"T",${base},"durationMs":1.5,"msg":"d"}`,
      `{"level":"error","time":"T",${base},"error":"x\\ny","msg":"e"}`,
      '',
    ].join('\n'),
  );
});

test("a child logger adds its fields (the container id) to every line, at the parent's level", (t) => {
  const f = fifo(t);
  const quiet = createLogger(f.writeFd, false, { namespace: 'ns' });
  const container = quiet.child({ id: 'c1' });
  container.log('debug', 'not shown');
  container.log('info', 'created', { pid: 42 });
  quiet.log('info', 'shim');
  const [created, shim] = parseLines(f.readAll());
  assert.deepEqual(
    { id: created?.id, pid: created?.pid, namespace: created?.namespace, msg: created?.msg },
    { id: 'c1', pid: 42, namespace: 'ns', msg: 'created' },
  );
  assert.equal(shim?.msg, 'shim');
  assert.ok(!('id' in (shim ?? {})));
  const loud = createLogger(f.writeFd, true, {}).child({ id: 'c2' });
  loud.log('debug', 'shown');
  assert.equal(parseLines(f.readAll())[0]?.id, 'c2');
});

test('the logger drops whole lines on a full FIFO and then logs how many, through the same line format', async (t) => {
  const f = fifo(t);
  const logger = createLogger(f.writeFd, false, {});
  const pad = 'x'.repeat(1000);
  // ~1.2 MB: more than the pipe and the logger's 1 MiB backlog together
  for (let i = 0; i < 1200; i++) logger.log('info', 'filler', { i, pad });
  let lines: Record<string, unknown>[] = [];
  for (let i = 0; i < 100 && !lines.some((l) => l.dropped !== undefined); i++) {
    await sleep(60);
    lines = lines.concat(parseLines(f.readAll()));
  }
  const notice = lines.find((l) => l.dropped !== undefined);
  assert.ok(notice, 'a line says how many were dropped');
  assert.equal(notice.level, 'warn');
  assert.equal(notice.msg, 'log lines dropped: the log FIFO was full');
  const kept = lines.filter((l) => l.msg === 'filler').length;
  assert.equal(kept + Number(notice.dropped), 1200);
});

test('never blocks on a full FIFO: keeps a bounded backlog, drops whole lines, says how many', async (t) => {
  const f = fifo(t);
  const writer = new LineWriter(f.writeFd, 8192);
  const line = (i: number): string => `${JSON.stringify({ i, pad: 'x'.repeat(200) })}\n`;
  const total = 1000; // ~210 KB: more than the pipe (64 KiB) and the backlog together
  const dropNotices: number[] = [];
  writer.onDropped = (n) => {
    dropNotices.push(n);
    writer.write(`${JSON.stringify({ dropped: n })}\n`);
  };
  const t0 = performance.now();
  for (let i = 0; i < total; i++) writer.write(line(i));
  assert.ok(performance.now() - t0 < 5_000);
  assert.ok(writer.droppedLines > 0, 'lines beyond the backlog were dropped');
  // the reader catches up; the backlog goes out on the retry timer, then the notice
  let text = f.readAll();
  for (let i = 0; i < 40 && dropNotices.length === 0; i++) {
    await sleep(60);
    text += f.readAll();
  }
  await sleep(120);
  text += f.readAll();
  const lines = parseLines(text); // throws on a torn line
  const kept = lines.filter((l) => typeof l.i === 'number').map((l) => l.i as number);
  assert.deepEqual(
    kept,
    [...kept].sort((a, b) => a - b),
    'kept lines stay in order',
  );
  assert.equal(dropNotices.length, 1);
  assert.equal(kept.length + (dropNotices[0] ?? 0), total, 'every line is either written or counted');
  assert.deepEqual(lines.at(-1), { dropped: dropNotices[0] });
});

test('a FIFO without a reader (containerd gone) loses lines instead of throwing or piling up', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsshim-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'log');
  execFileSync('mkfifo', [path]);
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  closeSync(readFd); // writes now fail with EPIPE
  t.after(() => closeSync(writeFd));
  const writer = new LineWriter(writeFd, 1024);
  for (let i = 0; i < 100; i++) writer.write(`line ${i}\n`);
  assert.equal(writer.droppedLines, 0);
  writer.flush();
});
