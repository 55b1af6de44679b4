import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputBacklog } from '../../../src/shim/io/backlog.ts';

const policy = { capBytes: 100, stallMs: 1000 };
const bytes = (n: number, fill = 0x61): Buffer => Buffer.alloc(n, fill);

describe('output backlog policy', () => {
  test('hands out queued chunks coalesced, one write at a time', () => {
    const b = new OutputBacklog(policy);
    b.push(bytes(10, 0x61));
    b.push(bytes(10, 0x62));
    const first = b.next(0, 15);
    assert.equal(first?.toString(), 'a'.repeat(10) + 'b'.repeat(5));
    assert.equal(b.next(0, 15), undefined, 'no second write while one is in flight');
    b.written(1);
    assert.equal(b.next(1, 15)?.toString(), 'b'.repeat(5));
    b.written(2);
    assert.ok(b.idle);
  });

  test('pauses input at the cap while the reader is alive', () => {
    const b = new OutputBacklog(policy);
    b.push(bytes(60));
    assert.equal(b.shouldPauseInput(), false);
    b.push(bytes(60));
    assert.equal(b.shouldPauseInput(), true);
  });

  test('a slow reader that keeps making progress loses nothing', () => {
    const b = new OutputBacklog(policy);
    let delivered = 0;
    let pushed = 0;
    let now = 0;
    for (let round = 0; round < 50; round++) {
      while (!b.shouldPauseInput()) {
        b.push(bytes(30));
        pushed += 30;
      }
      const chunk = b.next(now, 10);
      now += 900; // each write takes just under the stall limit
      assert.equal(b.checkStall(now, false), 0);
      if (chunk) {
        delivered += chunk.length;
        b.written(now);
      }
    }
    while (!b.idle) {
      const c = b.next(now, 1000);
      delivered += c?.length ?? 0;
      b.written(now);
    }
    assert.equal(b.droppedBytes, 0);
    assert.equal(delivered, pushed);
  });

  test('a stalled write over the cap discards the backlog and stops pausing input', () => {
    const b = new OutputBacklog(policy);
    b.push(bytes(50));
    b.next(0, 50);
    b.push(bytes(120));
    assert.equal(b.shouldPauseInput(), true);
    assert.equal(b.checkStall(999, false), 0, 'not yet stalled long enough');
    assert.equal(b.checkStall(1000, false), 120);
    assert.equal(b.readerGone, true);
    assert.equal(b.queuedBytes, 0);
    assert.equal(b.shouldPauseInput(), false);
    // while the reader is gone only the newest cap bytes are kept
    b.push(bytes(80, 0x61));
    b.push(bytes(80, 0x62));
    assert.equal(b.queuedBytes, 100);
    assert.equal(b.droppedBytes, 120 + 60);
    assert.equal(b.shouldPauseInput(), false);
  });

  test('below the cap a stalled write is waited for (no loss) until the input ends', () => {
    const b = new OutputBacklog(policy);
    b.push(bytes(40));
    b.next(0, 10);
    assert.equal(b.checkStall(60_000, false), 0);
    assert.equal(b.readerGone, false);
    assert.equal(b.checkStall(60_000, true), 30);
    assert.equal(b.readerGone, true);
  });

  test('bytes being written still count: a write stuck with the backlog at the cap is a stall', async () => {
    const b = new OutputBacklog(policy);
    b.push(bytes(100));
    assert.equal(b.shouldPauseInput(), true);
    b.next(0, 60); // the write that will never complete: the reader left
    assert.equal(b.queuedBytes, 40);
    assert.equal(b.shouldPauseInput(), true, 'input stays paused while the reader has not taken the bytes');
    assert.equal(b.checkStall(1000, false), 40, 'and the stall is detected, so input resumes');
    assert.equal(b.shouldPauseInput(), false);
  });

  test('a write completing again means the reader is back', () => {
    const b = new OutputBacklog(policy);
    b.push(bytes(200));
    b.next(0, 10);
    b.checkStall(5000, false);
    assert.equal(b.readerGone, true);
    b.written(6000);
    assert.equal(b.readerGone, false);
    b.push(bytes(150));
    assert.equal(b.shouldPauseInput(), true, 'a live reader gets backpressure again, not drops');
  });

  test('no stall without a write in flight', () => {
    const b = new OutputBacklog(policy);
    b.push(bytes(500));
    assert.equal(b.checkStall(1e9, true), 0);
  });
});
