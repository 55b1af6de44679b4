import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from '../../../src/api/codec.ts';
import type { Timestamp } from '../../../src/api/timestamp.ts';
import { EventTopics, TypeNames } from '../../../src/api/types.ts';
import { Publisher, type Forwarder } from '../../../src/shim/events/publisher.ts';
import { Code, TtrpcError } from '../../../src/ttrpc/index.ts';

interface Forwarded {
  timestamp: Timestamp;
  topic: string;
  namespace: string;
  event: { type_url: string };
}

/** Stands in for containerd: fails while `down` is set, answers `refuse`'s status for the topics it names, holds
 *  each Forward while `hold` is set, and records what it accepted. */
class FakeContainerd implements Forwarder {
  down = false;
  hold: Promise<void> | undefined;
  readonly refuse = new Map<string, number>();
  attempts = 0;
  closes = 0;
  readonly accepted: (Forwarded & { receivedAt: number })[] = [];
  async forward(request: Uint8Array): Promise<void> {
    this.attempts++;
    await new Promise((r) => setImmediate(r));
    await this.hold;
    if (this.down) throw new Error('ttrpc: closed');
    const { envelope } = decode<{ envelope: Forwarded }>(TypeNames.forwardRequest, request);
    const code = this.refuse.get(envelope.topic);
    if (code !== undefined) throw new TtrpcError(code, `refused ${envelope.topic}`);
    this.accepted.push({ ...envelope, receivedAt: Date.now() });
  }
  close(): void {
    this.closes++;
  }
}

const quiet = (): void => undefined;

function recorder(): { lines: string[]; log: (level: string, msg: string, fields?: object) => void } {
  const lines: string[] = [];
  return { lines, log: (level, msg, fields) => lines.push(`${level} ${msg} ${JSON.stringify(fields)}`) };
}

async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const exit = (id: string) => ({ container_id: 'a', id, pid: 1, exit_status: 0 });
const ms = (ts: Timestamp): number => Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);

test('events are forwarded in order with the namespace and a bare type URL', async () => {
  const c = new FakeContainerd();
  const p = new Publisher('k8s.io', c, quiet);
  p.publish(EventTopics.create, TypeNames.taskCreate, { container_id: 'a', pid: 1 });
  p.publish(EventTopics.start, TypeNames.taskStart, { container_id: 'a', pid: 1 });
  p.publish(EventTopics.exit, TypeNames.taskExit, { container_id: 'a', id: 'a', pid: 1, exit_status: 3 });
  await until(() => c.accepted.length === 3);
  assert.deepEqual(
    c.accepted.map((e) => e.topic),
    ['/tasks/create', '/tasks/start', '/tasks/exit'],
  );
  assert.ok(c.accepted.every((e) => e.namespace === 'k8s.io'));
  assert.equal(c.accepted[2]!.event.type_url, 'containerd.events.TaskExit');
});

test('while containerd is down nothing is lost or reordered, and delivery resumes when it is back', async () => {
  const c = new FakeContainerd();
  c.down = true;
  const p = new Publisher('default', c, quiet, { backoff: { startMs: 5, maxMs: 20 } });
  p.publish(EventTopics.start, TypeNames.taskStart, { container_id: 'a', pid: 1 });
  p.publish(EventTopics.exit, TypeNames.taskExit, { container_id: 'a', id: 'a', pid: 1 });
  // more than the Go shim's 5 retries
  await until(() => c.attempts >= 7);
  assert.equal(c.accepted.length, 0);
  assert.equal(p.pending.length, 2);
  assert.ok(p.pending[0]!.attempts >= 6);
  assert.ok(c.closes >= 6, 'the connection is dropped after a failure so the next try reconnects');
  c.down = false;
  await until(() => c.accepted.length === 2);
  assert.deepEqual(
    c.accepted.map((e) => e.topic),
    ['/tasks/start', '/tasks/exit'],
  );
  assert.equal(p.pending.length, 0);
});

test('each envelope carries the time its event was published, not the time it got through', async () => {
  const c = new FakeContainerd();
  c.down = true;
  const p = new Publisher('default', c, quiet, { backoff: { startMs: 5, maxMs: 20 } });
  const before = Date.now();
  p.publish(EventTopics.start, TypeNames.taskStart, { container_id: 'a', pid: 1 });
  p.publish(EventTopics.exit, TypeNames.taskExit, exit('a'));
  const after = Date.now();
  await new Promise((r) => setTimeout(r, 400));
  c.down = false;
  await until(() => c.accepted.length === 2);
  for (const e of c.accepted) {
    const stamped = ms(e.timestamp);
    assert.ok(
      stamped >= before && stamped <= after,
      `${e.topic} stamped ${stamped}, published in [${before}, ${after}]`,
    );
    assert.ok(
      e.receivedAt - stamped >= 350,
      `${e.topic} delivered ${e.receivedAt - stamped} ms after publishing`,
    );
  }
});

for (const code of [Code.InvalidArgument, Code.NotFound]) {
  test(`an event containerd refuses for good (code ${code}) is logged and skipped; the events after it, exits included, are delivered`, async () => {
    const c = new FakeContainerd();
    c.refuse.set(EventTopics.create, code);
    const { lines, log } = recorder();
    const p = new Publisher('default', c, log, { backoff: { startMs: 5, maxMs: 20 } });
    p.publish(EventTopics.create, TypeNames.taskCreate, { container_id: 'a', pid: 1 });
    p.publish(EventTopics.start, TypeNames.taskStart, { container_id: 'a', pid: 1 });
    p.publish(EventTopics.exit, TypeNames.taskExit, exit('a'));
    await until(() => c.accepted.length === 2);
    assert.deepEqual(
      c.accepted.map((e) => e.topic),
      ['/tasks/start', '/tasks/exit'],
    );
    assert.equal(c.attempts, 3, 'the refused event was tried once');
    assert.equal(p.rejected, 1);
    assert.equal(p.pending.length, 0);
    assert.ok(
      lines.some((l) => l.startsWith('error ') && l.includes('refused') && l.includes('/tasks/create')),
      lines.join('\n'),
    );
  });
}

test('an answer that may change (Unavailable) is retried, not skipped', async () => {
  const c = new FakeContainerd();
  c.refuse.set(EventTopics.exit, Code.Unavailable);
  const p = new Publisher('default', c, quiet, { backoff: { startMs: 5, maxMs: 20 } });
  p.publish(EventTopics.exit, TypeNames.taskExit, exit('a'));
  await until(() => c.attempts >= 4);
  assert.equal(p.pending.length, 1);
  assert.equal(p.rejected, 0);
  c.refuse.clear();
  await until(() => c.accepted.length === 1);
});

test('a full queue drops its oldest event that is not an exit, and keeps every exit', async () => {
  const c = new FakeContainerd();
  c.down = true;
  const { lines, log } = recorder();
  const p = new Publisher('default', c, log, { backoff: { startMs: 5, maxMs: 20 }, maxQueue: 4 });
  p.publish(EventTopics.exit, TypeNames.taskExit, exit('e1'));
  p.publish(EventTopics.start, TypeNames.taskStart, { container_id: 'a', pid: 1 });
  p.publish(EventTopics.exit, TypeNames.taskExit, exit('e2'));
  p.publish(EventTopics.oom, TypeNames.taskOOM, { container_id: 'a' });
  p.publish(EventTopics.exit, TypeNames.taskExit, exit('e3'));
  assert.deepEqual(
    p.pending.map((e) => e.topic),
    ['/tasks/exit', '/tasks/exit', '/tasks/oom', '/tasks/exit'],
  );
  p.publish(EventTopics.paused, TypeNames.taskPaused, { container_id: 'a' });
  assert.deepEqual(
    p.pending.map((e) => e.topic),
    ['/tasks/exit', '/tasks/exit', '/tasks/exit', '/tasks/paused'],
  );
  assert.equal(p.dropped, 2);
  assert.ok(
    lines.filter((l) => l.startsWith('error ') && l.includes('queue full')).length === 2,
    lines.join('\n'),
  );
  assert.ok(lines.some((l) => l.includes('/tasks/start')) && lines.some((l) => l.includes('/tasks/oom')));
  c.down = false;
  await until(() => c.accepted.length === 4);
  assert.deepEqual(
    c.accepted.map((e) => (e.topic === '/tasks/exit' ? 'exit' : e.topic)),
    ['exit', 'exit', 'exit', '/tasks/paused'],
  );
});

test('a queue full of exits grows by each new exit and drops a new event that is not one', async () => {
  const c = new FakeContainerd();
  c.down = true;
  const p = new Publisher('default', c, quiet, { backoff: { startMs: 5, maxMs: 20 }, maxQueue: 3 });
  for (const id of ['e1', 'e2', 'e3', 'e4']) p.publish(EventTopics.exit, TypeNames.taskExit, exit(id));
  assert.equal(p.pending.length, 4);
  p.publish(EventTopics.paused, TypeNames.taskPaused, { container_id: 'a' });
  assert.equal(p.pending.length, 4);
  assert.equal(p.dropped, 1);
  assert.ok(p.pending.every((e) => e.topic === '/tasks/exit'));
  c.down = false;
  await until(() => c.accepted.length === 4);
  assert.equal(p.pending.length, 0);
});

test('the event whose Forward is in flight is not the one dropped', async () => {
  const c = new FakeContainerd();
  let release!: () => void;
  c.hold = new Promise<void>((r) => (release = r));
  const p = new Publisher('default', c, quiet, { maxQueue: 2 });
  p.publish(EventTopics.start, TypeNames.taskStart, { container_id: 'a', pid: 1 });
  await until(() => c.attempts === 1);
  p.publish(EventTopics.execAdded, TypeNames.taskExecAdded, { container_id: 'a', exec_id: 'x' });
  p.publish(EventTopics.paused, TypeNames.taskPaused, { container_id: 'a' });
  assert.deepEqual(
    p.pending.map((e) => e.topic),
    ['/tasks/start', '/tasks/paused'],
  );
  release();
  c.hold = undefined;
  await until(() => c.accepted.length === 2);
  assert.deepEqual(
    c.accepted.map((e) => e.topic),
    ['/tasks/start', '/tasks/paused'],
  );
});

test('close waits for the queue to drain before closing the connection', async () => {
  const c = new FakeContainerd();
  const p = new Publisher('default', c, quiet);
  for (let i = 0; i < 20; i++) p.publish(EventTopics.paused, TypeNames.taskPaused, { container_id: `c${i}` });
  await p.close(5_000);
  assert.equal(c.accepted.length, 20);
});

test('close gives up after its timeout when containerd stays away, and says which events were lost', async () => {
  const c = new FakeContainerd();
  c.down = true;
  const { lines, log } = recorder();
  const p = new Publisher('default', c, log);
  p.publish(EventTopics.exit, TypeNames.taskExit, { container_id: 'a', id: 'a' });
  await p.close(300);
  assert.equal(c.accepted.length, 0);
  assert.ok(
    lines.some((l) => l.includes('undelivered') && l.includes('/tasks/exit')),
    lines.join('\n'),
  );
});

test('an event that does not encode is logged and skipped, not retried in front of the rest', async () => {
  const c = new FakeContainerd();
  const { lines, log } = recorder();
  const p = new Publisher('default', c, log, { backoff: { startMs: 5, maxMs: 20 } });
  p.publish(EventTopics.start, TypeNames.taskStart, { container_id: 5, pid: 1 });
  p.publish(EventTopics.exit, TypeNames.taskExit, exit('a'));
  await until(() => c.accepted.length === 1);
  assert.deepEqual(
    c.accepted.map((e) => e.topic),
    ['/tasks/exit'],
  );
  assert.equal(p.rejected, 1);
  assert.ok(
    lines.some((l) => l.startsWith('error ') && l.includes('does not encode')),
    lines.join('\n'),
  );
});
