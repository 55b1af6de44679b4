// What the robustness suites share: call outcomes as (code, message), a raw ttrpc connection that can send
// anything, and probes for what a call may have left behind (mounts, runc state, processes, log lines).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { TaskServices } from '../../../src/api/types.ts';
import {
  decodeResponse,
  encodeFrame,
  encodeRequest,
  FrameReader,
  MessageType,
  TtrpcError,
  type TtrpcResponse,
} from '../../../src/ttrpc/index.ts';
import type { LiveShim } from '../../helpers/live-shim.ts';

export { alive } from '../../helpers/cleanup.ts';

export interface Outcome {
  code: number;
  message: string;
}

/** The status a call ended with; 0 and '' for success. Anything but a status error is rethrown. */
export async function outcome(call: Promise<unknown>): Promise<Outcome> {
  try {
    await call;
    return { code: 0, message: '' };
  } catch (err) {
    if (err instanceof TtrpcError) return { code: err.code, message: err.message };
    throw err;
  }
}

export function socketOf(shim: LiveShim): string {
  return readFileSync(join(shim.bundle, 'address'), 'utf8')
    .trim()
    .replace(/^unix:\/\//, '');
}

/** A ttrpc connection with no client-side checks: frames are written exactly as given. */
export class RawConnection {
  private readonly reader = new FrameReader(Number.MAX_SAFE_INTEGER);
  private readonly waiting = new Map<number, (r: TtrpcResponse) => void>();
  private nextStreamId = 1;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const ev of this.reader.push(chunk)) {
        if (ev.kind !== 'frame') continue;
        const done = this.waiting.get(ev.header.streamId);
        this.waiting.delete(ev.header.streamId);
        done?.(decodeResponse(ev.data));
      }
    });
    socket.on('error', () => undefined);
  }

  static connect(path: string): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(path);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
    });
  }

  /** A stream id for a frame the test writes itself, and the response that will come on it. */
  expect(): { streamId: number; response: Promise<TtrpcResponse> } {
    const streamId = this.nextStreamId;
    this.nextStreamId += 2;
    return { streamId, response: new Promise((resolve) => this.waiting.set(streamId, resolve)) };
  }

  /** One Task request; resolves with the server's response (never times out locally). */
  request(
    shim: LiveShim,
    method: string,
    payload: Uint8Array,
    opts: { timeoutNano?: number } = {},
  ): Promise<TtrpcResponse> {
    const { streamId, response } = this.expect();
    const data = encodeRequest({
      service: TaskServices.v2,
      method,
      payload,
      timeoutNano: opts.timeoutNano ?? 0,
      metadata: [{ key: 'containerd-namespace-ttrpc', value: shim.namespace }],
    });
    this.socket.write(encodeFrame(streamId, MessageType.Request, 0, data));
    return response;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Mount points at or below `dir`, as the shim's mount namespace sees them. */
export function mountsUnder(pid: number, dir: string): string[] {
  return readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
}

/** Container ids runc knows in the shim's state root (the Go shim's default root, per namespace). */
export function runcContainers(namespace: string): string[] {
  const res = spawnSync('runc', ['--root', `/run/containerd/runc/${namespace}`, 'list', '-q'], {
    encoding: 'utf8',
  });
  return res.stdout.split('\n').filter(Boolean);
}

/** runc leaves its (empty) per-namespace state root behind; tests remove theirs. */
export function removeRuncRoot(namespace: string | undefined): void {
  if (!namespace) return;
  try {
    rmdirSync(`/run/containerd/runc/${namespace}`);
  } catch {
    /* never made, or not empty: then it is not ours to remove */
  }
}

/** Live processes whose parent is `pid` (the shim is their subreaper, so orphans count too). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') out.push(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Polls until `done` holds or the safety-net timeout passes; returns the last value either way. */
export async function eventually<T>(read: () => T, done: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The shim logs what it could not handle instead of dying; none of that may appear. */
export function crashLines(shim: LiveShim): string[] {
  return shim.log().filter((l) => /uncaught exception|unhandled rejection/.test(l));
}

export const processTypeUrl = 'types.containerd.io/opencontainers/runtime-spec/1/Process';

export function processSpec(args: string[]): { type_url: string; value: Uint8Array } {
  return {
    type_url: processTypeUrl,
    value: Buffer.from(
      JSON.stringify({ args, cwd: '/', env: ['PATH=/bin:/usr/bin'], user: { uid: 0, gid: 0 } }),
    ),
  };
}
