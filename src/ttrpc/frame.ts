// The 10-byte frame header and a push parser that copes with partial reads and oversize frames.
import { HEADER_LENGTH, MESSAGE_LENGTH_MAX } from './constants.ts';

export interface FrameHeader {
  /** Data length, header excluded. */
  length: number;
  streamId: number;
  type: number;
  flags: number;
}

export type FrameEvent =
  | { kind: 'frame'; header: FrameHeader; data: Buffer }
  /** A frame longer than the limit; its data was discarded, the header is still meaningful. */
  | { kind: 'oversize'; header: FrameHeader };

export function encodeHeader(header: FrameHeader): Buffer {
  const buf = Buffer.alloc(HEADER_LENGTH);
  writeHeader(buf, header);
  return buf;
}

export function decodeHeader(buf: Uint8Array): FrameHeader {
  if (buf.length < HEADER_LENGTH)
    throw new RangeError(`frame header needs ${HEADER_LENGTH} bytes, got ${buf.length}`);
  const view = new DataView(buf.buffer, buf.byteOffset, HEADER_LENGTH);
  return {
    length: view.getUint32(0),
    streamId: view.getUint32(4),
    type: view.getUint8(8),
    flags: view.getUint8(9),
  };
}

/** Header and data in one buffer, so one socket write puts a whole frame on the wire. */
export function encodeFrame(streamId: number, type: number, flags: number, data: Uint8Array): Buffer {
  const buf = Buffer.alloc(HEADER_LENGTH + data.length);
  writeHeader(buf, { length: data.length, streamId, type, flags });
  buf.set(data, HEADER_LENGTH);
  return buf;
}

function writeHeader(buf: Buffer, header: FrameHeader): void {
  buf.writeUInt32BE(header.length, 0);
  buf.writeUInt32BE(header.streamId >>> 0, 4);
  buf.writeUInt8(header.type & 0xff, 8);
  buf.writeUInt8(header.flags & 0xff, 9);
}

/**
 * Turns arbitrary socket chunks into frames. An oversize frame is skipped as its bytes arrive, so a
 * peer announcing up to 4 GiB never makes us hold more than one chunk of it.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private header: FrameHeader | undefined;
  private discardRemaining = 0;

  constructor(private readonly maxLength = MESSAGE_LENGTH_MAX) {}

  /** Bytes held waiting for the rest of a header or frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** True when the stream stopped inside a frame: ending here means the peer desynchronised. */
  get midFrame(): boolean {
    return this.buffered > 0 || this.header !== undefined;
  }

  push(chunk: Buffer): FrameEvent[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const events: FrameEvent[] = [];
    for (;;) {
      if (this.header === undefined) {
        if (this.buffered < HEADER_LENGTH) break;
        this.header = decodeHeader(this.take(HEADER_LENGTH));
        this.discardRemaining = this.header.length > this.maxLength ? this.header.length : 0;
      }
      const header = this.header;
      if (header.length > this.maxLength) {
        const n = Math.min(this.discardRemaining, this.buffered);
        this.drop(n);
        this.discardRemaining -= n;
        if (this.discardRemaining > 0) break;
        events.push({ kind: 'oversize', header });
      } else {
        if (this.buffered < header.length) break;
        events.push({ kind: 'frame', header, data: this.take(header.length) });
      }
      this.header = undefined;
    }
    return events;
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first !== undefined && first.length >= n) {
      const out = first.subarray(0, n);
      this.consumeFirst(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0];
      if (head === undefined) throw new Error('FrameReader: take past buffered data');
      const count = Math.min(head.length, n - filled);
      head.copy(out, filled, 0, count);
      filled += count;
      this.consumeFirst(count);
    }
    return out;
  }

  private drop(n: number): void {
    let left = n;
    while (left > 0) {
      const head = this.chunks[0];
      if (head === undefined) break;
      const count = Math.min(head.length, left);
      this.consumeFirst(count);
      left -= count;
    }
  }

  private consumeFirst(n: number): void {
    const head = this.chunks[0];
    if (head === undefined) return;
    if (n >= head.length) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    this.buffered -= n;
  }
}
