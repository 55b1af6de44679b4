// The ttrpc frame reader against arbitrary streams: however the bytes are cut into chunks it finds the same
// frames, it never throws, and it never holds more than the frame it is waiting for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeHeader,
  encodeFrame,
  encodeHeader,
  FrameReader,
  type FrameEvent,
} from '../../src/ttrpc/index.ts';
import { fuzzParameters } from './arbitraries.ts';

const HEADER_LENGTH = 10;
/** small, so that oversize frames are common */
const LIMIT = 64;

/** `bytes` cut at arbitrary points (an empty chunk included now and then). */
function chunked(bytes: Uint8Array, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(Buffer.from(bytes.subarray(from, p)));
    from = p;
  }
  return out;
}

/** Events as plain data: a Buffer's identity and pool do not matter, its bytes do. */
function plain(events: FrameEvent[]): unknown[] {
  return events.map((e) =>
    e.kind === 'frame'
      ? { ...e.header, data: Buffer.from(e.data).toString('hex') }
      : { ...e.header, oversize: true },
  );
}

/** Feeds the chunks one by one, checking the memory bound after each. */
function feed(reader: FrameReader, chunks: Buffer[]): FrameEvent[] {
  const events: FrameEvent[] = [];
  for (const chunk of chunks) {
    events.push(...reader.push(chunk));
    // what it keeps is at most the rest of one header or of one frame it is still waiting for
    assert.ok(
      reader.bufferedBytes < Math.max(HEADER_LENGTH, LIMIT + 1),
      `holds ${reader.bufferedBytes} bytes`,
    );
  }
  return events;
}

const frameArbitrary = fc.record({
  streamId: fc.nat({ max: 2 ** 32 - 1 }),
  type: fc.nat({ max: 255 }),
  flags: fc.nat({ max: 255 }),
  data: fc.uint8Array({ maxLength: LIMIT * 2 }),
});

test('frames cut into arbitrary chunks come out whole, in order; oversize ones are reported and skipped', () => {
  fc.assert(
    fc.property(
      fc.array(frameArbitrary, { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (frames, cuts) => {
        const stream = Buffer.concat(frames.map((f) => encodeFrame(f.streamId, f.type, f.flags, f.data)));
        const reader = new FrameReader(LIMIT);
        const events = feed(reader, chunked(stream, cuts));
        assert.deepEqual(
          plain(events),
          frames.map((f) => {
            const header = { length: f.data.length, streamId: f.streamId, type: f.type, flags: f.flags };
            return f.data.length > LIMIT
              ? { ...header, oversize: true }
              : { ...header, data: Buffer.from(f.data).toString('hex') };
          }),
        );
        assert.equal(reader.midFrame, false);
        assert.equal(reader.bufferedBytes, 0);
      },
    ),
    fuzzParameters(300),
  );
});

test('arbitrary bytes never make the reader throw, and the cuts never change what it finds', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
      const whole = feed(new FrameReader(LIMIT), [Buffer.from(bytes)]);
      const pieces = feed(new FrameReader(LIMIT), chunked(bytes, cuts));
      assert.deepEqual(plain(pieces), plain(whole));
    }),
    fuzzParameters(300),
  );
});

test('a header decodes to what was encoded, for every field value', () => {
  fc.assert(
    fc.property(
      fc.record({
        length: fc.nat({ max: 2 ** 32 - 1 }),
        streamId: fc.nat({ max: 2 ** 32 - 1 }),
        type: fc.nat({ max: 255 }),
        flags: fc.nat({ max: 255 }),
      }),
      (header) => assert.deepEqual(decodeHeader(encodeHeader(header)), { ...header }),
    ),
    fuzzParameters(300),
  );
});
