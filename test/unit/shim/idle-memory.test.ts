import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BUSY_GROWTH_BYTES,
  busyGrowthBytes,
  BUSY_MIN_INTERVAL_MS,
  IdleMemoryReducer,
  MIN_GROWTH_BYTES,
  QUIET_MS,
  type Reduction,
} from '../../../src/shim/boot/idle-memory.ts';
import { native } from '../../../src/native/index.ts';
import { getHeapStatistics } from 'node:v8';

function fakeControls(start: number) {
  const state = { committed: start, reductions: 0, afterReduce: start };
  return {
    state,
    controls: {
      committedBytes: () => state.committed,
      reduce: () => {
        state.reductions++;
        state.committed = state.afterReduce;
      },
    },
  };
}

test('reduces once, after the shim has been quiet, however much work came before', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { state, controls } = fakeControls(4 << 20);
  const idle = new IdleMemoryReducer(controls);
  idle.touch();
  t.mock.timers.tick(QUIET_MS - 500);
  idle.touch(); // more work: the quiet period starts again
  t.mock.timers.tick(QUIET_MS - 500);
  assert.equal(state.reductions, 0);
  t.mock.timers.tick(600);
  assert.equal(state.reductions, 1);
  t.mock.timers.tick(10 * QUIET_MS);
  assert.equal(state.reductions, 1);
});

test('skips a reduction when the heap has not grown enough since the last one', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { state, controls } = fakeControls(6 << 20);
  state.afterReduce = 4 << 20;
  const seen: Reduction[] = [];
  const idle = new IdleMemoryReducer(controls, (r) => seen.push(r));
  idle.touch();
  t.mock.timers.tick(QUIET_MS);
  assert.equal(state.reductions, 1);
  assert.equal(seen[0]?.beforeBytes, 6 << 20);
  assert.equal(seen[0]?.afterBytes, 4 << 20);
  state.committed = (4 << 20) + MIN_GROWTH_BYTES - 1; // a State poll's worth of garbage
  idle.touch();
  t.mock.timers.tick(QUIET_MS);
  assert.equal(state.reductions, 1);
  state.committed = (4 << 20) + MIN_GROWTH_BYTES; // a burst of execs
  idle.touch();
  t.mock.timers.tick(QUIET_MS);
  assert.equal(state.reductions, 2);
});

test('reduces while busy once the heap has grown by BUSY_GROWTH_BYTES, without waiting for quiet', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setImmediate', 'Date'] });
  const { state, controls } = fakeControls(8 << 20);
  const seen: Reduction[] = [];
  const idle = new IdleMemoryReducer(controls, (r) => seen.push(r));
  const request = (growth: number): void => {
    state.committed += growth;
    idle.touch();
    t.mock.timers.tick(100); // requests keep coming: never QUIET_MS without one
  };
  request(0); // the first request: busy growth counts from here
  for (let grown = 0; grown + (256 << 10) < BUSY_GROWTH_BYTES; grown += 256 << 10) request(256 << 10);
  assert.equal(state.reductions, 0);
  request(256 << 10);
  assert.equal(state.reductions, 1);
  assert.equal(seen[0]?.reason, 'busy');
  assert.equal(state.committed, 8 << 20);
  // growth counts from the reduction's result again
  request(BUSY_GROWTH_BYTES - 1);
  t.mock.timers.tick(BUSY_MIN_INTERVAL_MS);
  assert.equal(state.reductions, 1);
  request(1);
  assert.equal(state.reductions, 2);
  // once quiet, the idle reduction runs as before
  state.committed += MIN_GROWTH_BYTES;
  idle.touch();
  t.mock.timers.tick(QUIET_MS);
  assert.equal(state.reductions, 3);
  assert.equal(seen[2]?.reason, 'idle');
});

test('reduces at most once per BUSY_MIN_INTERVAL_MS while busy, however fast the heap grows', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setImmediate', 'Date'] });
  const { state, controls } = fakeControls(8 << 20);
  const idle = new IdleMemoryReducer(controls);
  idle.touch();
  for (let i = 0; i < 10; i++) {
    state.committed += BUSY_GROWTH_BYTES; // and the reduction gives nothing back
    state.afterReduce = state.committed;
    idle.touch();
    t.mock.timers.tick(BUSY_MIN_INTERVAL_MS / 10);
  }
  assert.equal(state.reductions, 1);
  idle.stop();
});

test('does nothing when disabled', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const idle = new IdleMemoryReducer(undefined);
  assert.equal(idle.enabled, false);
  idle.touch();
  t.mock.timers.tick(QUIET_MS * 2);
  idle.stop();
});

test('the native reduction gives V8 heap back after a burst of allocation', () => {
  // grow the young generation and old space the way a burst of requests does, then drop it all
  let keep: unknown[] = [];
  for (let i = 0; i < 200_000; i++) keep.push({ i, s: `request ${i}` });
  keep = [];
  assert.equal(keep.length, 0);
  const before = getHeapStatistics().total_heap_size;
  assert.equal(native().reduceMemory(), true);
  const after = getHeapStatistics().total_heap_size;
  assert.ok(after < before, `committed heap ${before} -> ${after}`);
});

test('heapCommittedBytes reads the committed heap V8 reports, before and after a reduction', () => {
  let keep: unknown[] = [];
  for (let i = 0; i < 100_000; i++) keep.push({ i });
  assert.equal(native().heapCommittedBytes(), getHeapStatistics().total_heap_size);
  keep = [];
  assert.equal(keep.length, 0);
  native().reduceMemory();
  assert.equal(native().heapCommittedBytes(), getHeapStatistics().total_heap_size);
});

test('the busy growth: BUSY_GROWTH_BYTES, TSSHIM_BUSY_REDUCE_MIB when it is a positive number, none when off', () => {
  assert.equal(busyGrowthBytes({}), BUSY_GROWTH_BYTES);
  assert.equal(busyGrowthBytes({ TSSHIM_BUSY_REDUCE_MIB: '4' }), 4 << 20);
  assert.equal(busyGrowthBytes({ TSSHIM_BUSY_REDUCE_MIB: '0.5' }), 512 << 10);
  for (const bad of ['', '0', '-1', 'lots', 'Infinity'])
    assert.equal(busyGrowthBytes({ TSSHIM_BUSY_REDUCE_MIB: bad }), BUSY_GROWTH_BYTES, bad);
  assert.equal(busyGrowthBytes({ TSSHIM_BUSY_REDUCE: '0', TSSHIM_BUSY_REDUCE_MIB: '4' }), undefined);
});

test('a busy growth of its own: reduces once the heap grew by that much', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setImmediate', 'Date'] });
  const { state, controls } = fakeControls(8 << 20);
  const idle = new IdleMemoryReducer(controls, undefined, 1 << 20);
  idle.touch();
  state.committed += (1 << 20) - 1;
  idle.touch();
  t.mock.timers.tick(10);
  assert.equal(state.reductions, 0);
  state.committed += 1;
  idle.touch();
  t.mock.timers.tick(10);
  assert.equal(state.reductions, 1);
  idle.stop();
});

test('once quiet after a busy reduction, reduces again however little the heap grew since', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setImmediate', 'Date'] });
  const { state, controls } = fakeControls(8 << 20);
  const seen: Reduction[] = [];
  const idle = new IdleMemoryReducer(controls, (r) => seen.push(r), 1 << 20);
  idle.touch();
  state.committed += 1 << 20;
  idle.touch();
  t.mock.timers.tick(10);
  assert.deepEqual(
    seen.map((r) => r.reason),
    ['busy'],
  );
  state.committed += 4096; // the last requests of the burst
  idle.touch();
  t.mock.timers.tick(QUIET_MS);
  assert.deepEqual(
    seen.map((r) => r.reason),
    ['busy', 'idle'],
  );
  // settled: a small request later is not worth another reduction
  state.committed += 4096;
  idle.touch();
  t.mock.timers.tick(QUIET_MS);
  assert.equal(seen.length, 2);
});
