// Events from a live shim to an events endpoint that does not take them at once: each envelope carries the time
// the shim published its event, and an event refused for good is logged and skipped, not retried forever in
// front of the exit behind it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeNames } from '../../../src/api/types.ts';
import { Code } from '../../../src/ttrpc/index.ts';
import { startLiveShim } from '../../helpers/live-shim.ts';
import { eventually, removeRuncRoot } from '../robustness/helpers.ts';

const T = TypeNames;

describe('events to containerd', { timeout: 120_000 }, () => {
  test('an event delivered late carries the time it was published, not the time it got through', async () => {
    const shim = await startLiveShim({ start: false });
    try {
      shim.answerEvents(() => Code.Unavailable);
      const before = Date.now();
      await shim.call('Create', T.createTaskRequest, { id: shim.id, bundle: shim.bundle });
      const after = Date.now();
      await new Promise((r) => setTimeout(r, 1_500));
      shim.answerEvents(undefined);
      const events = await eventually(
        () => shim.events,
        (e) => e.some((x) => x.topic === '/tasks/create'),
      );
      const create = events.find((e) => e.topic === '/tasks/create');
      assert.ok(create?.publishedAt, 'the envelope has a timestamp');
      const published = create.publishedAt.getTime();
      assert.ok(
        published >= before && published <= after,
        `published ${published}, Create ran in [${before}, ${after}]`,
      );
      assert.ok(create.receivedAt.getTime() - published >= 1_400, 'it was delivered after the refusals');
    } finally {
      await shim.stop();
      removeRuncRoot(shim.namespace);
    }
  });

  test('an event refused for good is logged and skipped, and the exit behind it is delivered', async () => {
    const shim = await startLiveShim({ start: false, args: ['sh', '-c', 'exit 3'] });
    try {
      shim.answerEvents((topic) => (topic === '/tasks/start' ? Code.InvalidArgument : undefined));
      await shim.call('Create', T.createTaskRequest, { id: shim.id, bundle: shim.bundle });
      await shim.call('Start', T.startRequest, { id: shim.id, exec_id: '' });
      const events = await eventually(
        () => shim.events.map((e) => e.topic),
        (topics) => topics.includes('/tasks/exit'),
      );
      assert.deepEqual(events, ['/tasks/create', '/tasks/exit']);
      const refused = shim.log().filter((l) => l.includes('refused an event for good'));
      assert.equal(refused.length, 1, shim.log().join('\n'));
      assert.match(refused[0]!, /"level":"error"/);
      assert.match(refused[0]!, /\/tasks\/start/);
      assert.match(refused[0]!, /InvalidArgument/);
    } finally {
      await shim.stop();
      removeRuncRoot(shim.namespace);
    }
  });
});
