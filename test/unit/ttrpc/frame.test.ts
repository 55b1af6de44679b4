import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodeHeader,
  encodeFrame,
  encodeHeader,
  FrameReader,
  MESSAGE_LENGTH_MAX,
  MessageType,
} from '../../../src/ttrpc/index.ts';

const STATE_REQUEST = Buffer.from(
  '000000270000000101000a17636f6e7461696e6572642e7461736b2e76322e5461736b120553746174651a050a03616263',
  'hex',
);

describe('frame header', () => {
  test('is 10 big-endian bytes: length, stream id, type, flags', () => {
    const header = { length: 0x27, streamId: 0x01020304, type: MessageType.Data, flags: 0x05 };
    assert.equal(encodeHeader(header).toString('hex'), '00000027010203040305');
    assert.deepEqual(decodeHeader(encodeHeader(header)), header);
  });

  test('a frame is the header followed by exactly its data', () => {
    const frame = encodeFrame(1, MessageType.Request, 0, STATE_REQUEST.subarray(10));
    assert.deepEqual(frame, STATE_REQUEST);
  });
});

describe('FrameReader', () => {
  test('assembles a frame delivered one byte at a time', () => {
    const reader = new FrameReader();
    const events = [...STATE_REQUEST].flatMap((byte) => reader.push(Buffer.from([byte])));
    assert.equal(events.length, 1);
    const [event] = events;
    assert.equal(event?.kind, 'frame');
    if (event?.kind !== 'frame') return;
    assert.deepEqual(event.header, { length: 39, streamId: 1, type: 1, flags: 0 });
    assert.deepEqual(event.data, STATE_REQUEST.subarray(10));
    assert.equal(reader.midFrame, false);
  });

  test('splits several frames arriving in one chunk, including zero-length ones', () => {
    const reader = new FrameReader();
    const empty = encodeFrame(5, MessageType.Response, 0, new Uint8Array(0));
    const events = reader.push(Buffer.concat([empty, STATE_REQUEST, empty]));
    assert.deepEqual(
      events.map((e) => [e.kind, e.header.streamId, e.header.length]),
      [
        ['frame', 5, 0],
        ['frame', 1, 39],
        ['frame', 5, 0],
      ],
    );
  });

  test('reports being mid-frame after a partial header or body', () => {
    const reader = new FrameReader();
    reader.push(STATE_REQUEST.subarray(0, 4));
    assert.equal(reader.midFrame, true);
    reader.push(STATE_REQUEST.subarray(4, 20));
    assert.equal(reader.midFrame, true);
    assert.equal(reader.push(STATE_REQUEST.subarray(20)).length, 1);
    assert.equal(reader.midFrame, false);
  });

  test('accepts a frame of exactly 4194304 data bytes', () => {
    const reader = new FrameReader();
    const events = reader.push(encodeFrame(1, MessageType.Request, 0, new Uint8Array(MESSAGE_LENGTH_MAX)));
    assert.equal(events.length, 1);
    assert.equal(events[0]?.kind, 'frame');
  });

  test('discards a 4194305-byte frame as it streams in, without holding it, then reads the next frame', () => {
    const reader = new FrameReader();
    const oversize = encodeFrame(7, MessageType.Request, 0, new Uint8Array(MESSAGE_LENGTH_MAX + 1));
    const wire = Buffer.concat([oversize, STATE_REQUEST]);
    const events = [];
    let maxBuffered = 0;
    for (let offset = 0; offset < wire.length; offset += 65536) {
      events.push(...reader.push(wire.subarray(offset, offset + 65536)));
      maxBuffered = Math.max(maxBuffered, reader.bufferedBytes);
    }
    assert.ok(maxBuffered <= 65536, `held ${maxBuffered} bytes of a discarded frame`);
    assert.deepEqual(
      events.map((e) => [e.kind, e.header.streamId, e.header.length]),
      [
        ['oversize', 7, MESSAGE_LENGTH_MAX + 1],
        ['frame', 1, 39],
      ],
    );
  });

  test('announces an oversize frame only once all of its bytes were skipped', () => {
    const reader = new FrameReader();
    const header = encodeHeader({ length: MESSAGE_LENGTH_MAX + 10, streamId: 3, type: 1, flags: 0 });
    assert.deepEqual(reader.push(Buffer.concat([header, Buffer.alloc(MESSAGE_LENGTH_MAX)])), []);
    assert.equal(reader.midFrame, true);
    assert.deepEqual(
      reader.push(Buffer.alloc(10)).map((e) => e.kind),
      ['oversize'],
    );
  });
});
