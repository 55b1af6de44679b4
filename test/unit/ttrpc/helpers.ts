// Shared test plumbing: temp socket paths, a started server, and a raw-socket peer that speaks frames.
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, FrameReader, type FrameEvent } from '../../../src/ttrpc/index.ts';

export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'tsshim-ttrpc-'));
  private count = 0;
  socketPath(): string {
    return join(this.path, `s${this.count++}.sock`);
  }
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Resolves with `value` or rejects after `ms`: a safety net, never a timing assertion. */
export function withTimeout<T>(promise: Promise<T>, ms = 5000, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms}ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export interface RawFrame {
  streamId: number;
  type: number;
  flags: number;
  /** The whole frame, header included, as hex. */
  hex: string;
  data: Buffer;
}

/** A hand-driven peer: writes arbitrary bytes and reads whatever frames come back. */
export class RawPeer {
  private readonly reader = new FrameReader(Number.MAX_SAFE_INTEGER);
  private readonly frames: RawFrame[] = [];
  private waiters: (() => void)[] = [];
  private ended = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const event of this.reader.push(chunk)) this.frames.push(toRawFrame(event));
      this.wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.ended = true;
        this.wake();
        resolve();
      }),
    );
  }

  static async connect(path: string): Promise<RawPeer> {
    const socket = createConnection(path);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawPeer(socket);
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  writeFrame(streamId: number, type: number, flags: number, data: Uint8Array): void {
    this.socket.write(encodeFrame(streamId, type, flags, data));
  }

  async nextFrame(ms = 5000): Promise<RawFrame> {
    return withTimeout(
      (async () => {
        for (;;) {
          const frame = this.frames.shift();
          if (frame !== undefined) return frame;
          if (this.ended) throw new Error('connection closed before a frame arrived');
          await new Promise<void>((resolve) => this.waiters.push(resolve));
        }
      })(),
      ms,
      'next frame',
    );
  }

  /** Resolves when the server closes the connection; fails if it sends a frame first. */
  async expectClosedWithoutFrames(): Promise<void> {
    await withTimeout(this.closed, 5000, 'server closing the connection');
    if (this.frames.length > 0)
      throw new Error(`unexpected frames: ${this.frames.map((f) => f.hex).join(', ')}`);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

function toRawFrame(event: FrameEvent): RawFrame {
  if (event.kind !== 'frame') throw new Error('raw peer got an oversize frame');
  const { streamId, type, flags } = event.header;
  return {
    streamId,
    type,
    flags,
    data: event.data,
    hex: hex(encodeFrame(streamId, type, flags, event.data)),
  };
}
