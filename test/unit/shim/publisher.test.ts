import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from '../../../src/api/codec.ts';
import { EventTopics, TypeNames } from '../../../src/api/types.ts';
import { Publisher, type Forwarder } from '../../../src/shim/events/publisher.ts';

interface Forwarded {
  topic: string;
  namespace: string;
  event: { type_url: string };
}

/** Stands in for containerd: fails while `down` is set, records what it accepted. */
class FakeContainerd implements Forwarder {
  down = false;
  attempts = 0;
  closes = 0;
  readonly accepted: Forwarded[] = [];
  async forward(request: Uint8Array): Promise<void> {
    this.attempts++;
    await new Promise((r) => setImmediate(r));
    if (this.down) throw new Error('ttrpc: closed');
    this.accepted.push(decode<{ envelope: Forwarded }>(TypeNames.forwardRequest, request).envelope);
  }
  close(): void {
    this.closes++;
  }
}

const quiet = (): void => undefined;

async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

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
  const p = new Publisher('default', c, quiet, { startMs: 5, maxMs: 20 });
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
  const logged: string[] = [];
  const p = new Publisher('default', c, (_level, msg, fields) =>
    logged.push(`${msg} ${JSON.stringify(fields)}`),
  );
  p.publish(EventTopics.exit, TypeNames.taskExit, { container_id: 'a', id: 'a' });
  await p.close(300);
  assert.equal(c.accepted.length, 0);
  assert.ok(
    logged.some((l) => l.includes('undelivered') && l.includes('/tasks/exit')),
    logged.join('\n'),
  );
});
