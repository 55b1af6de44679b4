import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { IdleCollector } from '../../../src/shim/idle-gc.ts';

test('collects once, after the shim has been quiet, however many deletes came before', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let collections = 0;
  const idle = new IdleCollector(() => collections++);
  idle.touch();
  t.mock.timers.tick(1_500);
  idle.touch(); // more work: the quiet period starts again
  t.mock.timers.tick(1_500);
  assert.equal(collections, 0);
  t.mock.timers.tick(600);
  assert.equal(collections, 1);
  t.mock.timers.tick(10_000);
  assert.equal(collections, 1);
});

test('does nothing without --expose-gc', async () => {
  const idle = new IdleCollector(undefined);
  assert.equal(idle.enabled, false);
  idle.touch();
  await sleep(10);
  idle.stop();
});
