// A live tsshim with no containerd: started through its `start` action (as containerd does), with our own
// events server on $TTRPC_ADDRESS and the shim log FIFO read into memory; one busybox container in it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { decode, encode } from '../../src/api/codec.ts';
import { TaskServices, TypeNames } from '../../src/api/types.ts';
import { openFifo } from '../../src/cli/run/client-io.ts';
import { generateSpec } from '../../src/oci/generate-spec.ts';
import { fromTimestamp, type Timestamp } from '../../src/api/timestamp.ts';
import { Client, Server, TtrpcError, type Metadata, type MetadataInit } from '../../src/ttrpc/index.ts';
import { busyboxRootfs, repoRoot } from './rootfs.ts';
import { alive } from './cleanup.ts';

export const shimBin = join(repoRoot, 'bin', 'containerd-shim-tsshim-v2');
export const tsshimBin = join(repoRoot, 'bin', 'tsshim');

export interface ForwardedEvent {
  topic: string;
  metadata: Metadata;
  /** the envelope's timestamp: when the shim published the event */
  publishedAt: Date | undefined;
  receivedAt: Date;
}

/** a status code to refuse an event with, or undefined to take it */
export type EventsAnswer = (topic: string) => number | undefined;

/** containerd's events endpoint: records each Forward it takes with the metadata it came with. */
class EventsRecorder {
  readonly events: ForwardedEvent[] = [];
  answer: EventsAnswer | undefined;
  private readonly server = new Server();

  constructor() {
    this.server.register('containerd.services.events.ttrpc.v1.Events', {
      Forward: (payload, ctx) => {
        const req = decode<{ envelope: { topic: string; timestamp?: Timestamp } | null }>(
          TypeNames.forwardRequest,
          payload,
        );
        const topic = req.envelope?.topic ?? '';
        const refusal = this.answer?.(topic);
        if (refusal !== undefined) throw new TtrpcError(refusal, `test refuses ${topic}`);
        this.events.push({
          topic,
          metadata: ctx.metadata,
          publishedAt: fromTimestamp(req.envelope?.timestamp),
          receivedAt: new Date(),
        });
        return new Uint8Array();
      },
    });
  }

  listen(path: string): Promise<unknown> {
    return this.server.listen(path);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

export interface LiveShim {
  id: string;
  namespace: string;
  work: string;
  bundle: string;
  containerdAddress: string;
  events: ForwardedEvent[];
  /** how the events endpoint answers from now on (undefined: it takes every event) */
  answerEvents(answer: EventsAnswer | undefined): void;
  shimPid: number;
  /** shim log lines so far (JSON lines) */
  log(): string[];
  call<T>(
    method: string,
    reqType: string,
    req: object,
    resType?: string,
    metadata?: MetadataInit,
  ): Promise<T>;
  /** `tsshim <args>`, run to completion */
  tsshim(args: string[]): { code: number | null; stdout: string; stderr: string };
  /** the `tsshim shim` target flags of this shim */
  target(): string[];
  stop(): Promise<void>;
}

export interface LiveShimOptions {
  env?: Record<string, string>;
  debug?: boolean;
  /** the container's command; default `sleep 600` */
  args?: string[];
  /** false: leave Create and Start to the test */
  start?: boolean;
}

export async function startLiveShim(opts: LiveShimOptions = {}): Promise<LiveShim> {
  if (!existsSync(join(repoRoot, 'dist', 'shim', 'main.cjs'))) throw new Error('run npm run build first');
  const id = `dbg-${randomBytes(4).toString('hex')}`;
  const namespace = `tsshim-dbg-${randomBytes(3).toString('hex')}`;
  const work = mkdtempSync(join(tmpdir(), 'tsshim-debug-'));
  const bundle = join(work, id);
  mkdirSync(bundle);
  const containerdAddress = join(work, 'containerd.sock');
  const spec = generateSpec({
    args: opts.args ?? ['sleep', '600'],
    rootfs: busyboxRootfs(),
    id,
    cgroupsPath: `/tsshim/${namespace}-${id}`,
  });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  execFileSync('mkfifo', ['-m', '0700', join(bundle, 'log')]);
  const logText: string[] = [];
  const logStream: net.Socket = openFifo(join(bundle, 'log'), 'read');
  let pending = '';
  logStream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    logText.push(...parts.filter((l) => l !== ''));
  });
  const sink = new EventsRecorder();
  await sink.listen(join(work, 'events.sock'));
  const flags = ['-namespace', namespace, '-address', containerdAddress, '-id', id];
  const started = spawnSync(shimBin, [...flags, ...(opts.debug ? ['-debug'] : []), 'start'], {
    cwd: bundle,
    env: {
      ...process.env,
      ...opts.env,
      TTRPC_ADDRESS: join(work, 'events.sock'),
      GRPC_ADDRESS: containerdAddress,
    },
    input: new Uint8Array(),
    encoding: 'utf8',
  });
  if (started.status !== 0) throw new Error(`shim start failed: ${started.stdout}${started.stderr}`);
  const client = await Client.connect(started.stdout.trim().replace(/^unix:\/\//, ''));
  const call = async <T>(
    method: string,
    reqType: string,
    req: object,
    resType?: string,
    metadata: MetadataInit = {},
  ): Promise<T> => {
    const out = await client.call(TaskServices.v2, method, encode(reqType, req), {
      metadata: { 'containerd-namespace-ttrpc': namespace, ...metadata },
      timeoutMs: 30_000,
    });
    return (resType ? decode<T>(resType, out) : undefined) as T;
  };
  const { shim_pid: shimPid } = await call<{ shim_pid: number }>(
    'Connect',
    TypeNames.connectRequest,
    { id },
    TypeNames.connectResponse,
  );
  const target = (): string[] => [
    '--id',
    id,
    '--namespace',
    namespace,
    '--containerd-address',
    containerdAddress,
  ];
  const shim: LiveShim = {
    id,
    namespace,
    work,
    bundle,
    containerdAddress,
    events: sink.events,
    answerEvents: (answer) => (sink.answer = answer),
    shimPid,
    log: () => [...logText],
    call,
    target,
    tsshim: (args) => {
      const res = spawnSync(process.execPath, [tsshimBin, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { code: res.status, stdout: res.stdout, stderr: res.stderr };
    },
    stop: async () => {
      const ref = { id, exec_id: '' };
      await call('Kill', TypeNames.killRequest, { id, signal: 9, all: true }).catch(() => undefined);
      await call('Wait', TypeNames.waitRequest, ref).catch(() => undefined);
      await call('Delete', TypeNames.deleteRequest, ref).catch(() => undefined);
      await call('Shutdown', TypeNames.shutdownRequest, { id }).catch(() => undefined);
      client.close();
      for (let i = 0; i < 50 && alive(shimPid); i++) await new Promise((r) => setTimeout(r, 100));
      if (alive(shimPid)) process.kill(shimPid, 'SIGKILL');
      spawnSync(shimBin, [...flags, '-bundle', bundle, 'delete'], { cwd: bundle, input: new Uint8Array() });
      logStream.destroy();
      await sink.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
  if (opts.start !== false) {
    try {
      await call('Create', TypeNames.createTaskRequest, { id, bundle });
      await call('Start', TypeNames.startRequest, { id, exec_id: '' });
    } catch (err) {
      await shim.stop();
      throw err;
    }
  }
  return shim;
}
