// `tsshim run`: containerd's part, played with no containerd. Starts the shim through its `start` action,
// serves its events, makes the FIFOs, and calls Create/Start/Wait/Delete/Shutdown, then removes everything.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decode, encode } from '../../api/codec.ts';
import { packAny } from '../../api/any.ts';
import { TaskServices, TypeNames, type WaitResponse } from '../../api/types.ts';
import { DEFAULT_PATH_ENV, generateSpec } from '../../oci/generate-spec.ts';
import { run } from '../../spawn/index.ts';
import { Client } from '../../ttrpc/index.ts';
import type { RunArgs } from './args.ts';
import { attachClientStdio, ended, mkfifo, openFifo, relayTerminal } from './client-io.ts';
import { EventsSink } from './events-sink.ts';
import { shimBinary } from '../shim/binary.ts';

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGQUIT: 3 };

function writeBundle(args: RunArgs, bundle: string): void {
  let spec: Record<string, unknown>;
  if (args.rootfs) {
    spec = generateSpec({
      args: args.command.length ? args.command : ['sh'],
      env: [DEFAULT_PATH_ENV, ...(args.tty ? ['TERM=xterm'] : [])],
      tty: args.tty,
      rootfs: resolve(args.rootfs),
      id: args.id,
      cgroupsPath: `/tsshim/${args.namespace}-${args.id}`,
    }) as unknown as Record<string, unknown>;
  } else {
    const src = resolve(args.bundle!);
    spec = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8')) as Record<string, unknown>;
    const root = (spec.root ?? {}) as { path?: string };
    spec.root = { ...root, path: resolve(src, root.path ?? 'rootfs') };
    const proc = (spec.process ?? {}) as Record<string, unknown>;
    spec.process = { ...proc, terminal: args.tty, ...(args.command.length ? { args: args.command } : {}) };
  }
  mkdirSync(bundle, { recursive: true });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
}

class TaskClient {
  constructor(
    private readonly client: Client,
    private readonly namespace: string,
  ) {}

  async call<T>(
    method: string,
    reqType: string,
    req: object,
    resType?: string,
    timeoutMs?: number,
  ): Promise<T> {
    const out = await this.client.call(TaskServices.v2, method, encode(reqType, req), {
      metadata: { 'containerd-namespace-ttrpc': this.namespace },
      ...(timeoutMs ? { timeoutMs } : {}),
    });
    return (resType ? decode<T>(resType, out) : undefined) as T;
  }
}

export async function runContainer(args: RunArgs): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'tsshim-run-'));
  const bundle = join(work, args.id);
  const sink = new EventsSink();
  const shim = shimBinary();
  const containerdAddress = join(work, 'containerd.sock');
  const shimFlags = ['-namespace', args.namespace, '-address', containerdAddress, '-id', args.id];
  const options = args.runtime ? packAny(TypeNames.runcOptions, { binary_name: args.runtime }) : undefined;
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  let client: Client | undefined;
  try {
    writeBundle(args, bundle);
    await mkfifo(join(bundle, 'log'));
    const shimLog = openFifo(join(bundle, 'log'), 'read');
    if (args.debug) shimLog.pipe(process.stderr, { end: false });
    else shimLog.resume();
    cleanups.push(() => shimLog.destroy());
    await sink.listen(join(work, 'events.sock'));
    cleanups.push(() => sink.close());

    const started = await run(shim, [...shimFlags, ...(args.debug ? ['-debug'] : []), 'start'], {
      cwd: bundle,
      env: { ...process.env, TTRPC_ADDRESS: join(work, 'events.sock'), GRPC_ADDRESS: containerdAddress },
      input: options ? encode(TypeNames.any, options) : new Uint8Array(),
    });
    if (started.exitCode !== 0)
      throw new Error(`shim start failed: ${(started.stdout + started.stderr).trim()}`);
    const address = started.stdout.trim();
    client = await Client.connect(address.replace(/^unix:\/\//, ''));
    const task = new TaskClient(client, args.namespace);
    cleanups.push(() =>
      run(shim, [...shimFlags, '-bundle', bundle, 'delete'], { cwd: bundle }).catch(() => undefined),
    );

    const stdio = await attachClientStdio(work, args.id, args.tty);
    const { fifos, outputs, stdin } = stdio;
    cleanups.push(() => stdio.close());

    const ref = { id: args.id, exec_id: '' };
    let deleted = false;
    cleanups.push(async () => {
      if (deleted) return;
      await task
        .call('Kill', TypeNames.killRequest, { id: args.id, signal: 9, all: true })
        .catch(() => undefined);
      await task.call('Wait', TypeNames.waitRequest, ref, undefined, 5_000).catch(() => undefined);
      await task.call('Delete', TypeNames.deleteRequest, ref).catch(() => undefined);
      await task.call('Shutdown', TypeNames.shutdownRequest, { id: args.id }).catch(() => undefined);
    });
    await task.call('Create', TypeNames.createTaskRequest, {
      id: args.id,
      bundle,
      terminal: args.tty,
      ...fifos,
      options,
    });
    const waiting = task.call<WaitResponse>('Wait', TypeNames.waitRequest, ref, TypeNames.waitResponse);
    await task.call('Start', TypeNames.startRequest, ref, TypeNames.startResponse);

    const forward = (sig: NodeJS.Signals): void => {
      void task
        .call('Kill', TypeNames.killRequest, { id: args.id, signal: SIGNALS[sig] ?? 15 })
        .catch(() => undefined);
    };
    for (const sig of Object.keys(SIGNALS) as NodeJS.Signals[]) process.on(sig, forward);
    cleanups.push(() => {
      for (const sig of Object.keys(SIGNALS) as NodeJS.Signals[]) process.off(sig, forward);
    });
    cleanups.push(
      relayTerminal(stdin, args.tty, {
        closeStdin: () => task.call('CloseIO', TypeNames.closeIORequest, { id: args.id, stdin: true }),
        resize: (width, height) =>
          task.call('ResizePty', TypeNames.resizePtyRequest, { id: args.id, width, height }),
      }),
    );

    const exit = await waiting;
    await task.call('Delete', TypeNames.deleteRequest, ref, TypeNames.deleteResponse);
    deleted = true;
    await Promise.all(outputs.map((s) => ended(s, 2_000)));
    await task.call('Shutdown', TypeNames.shutdownRequest, { id: args.id }).catch(() => undefined);
    return exit.exit_status;
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        /* best effort: keep cleaning */
      }
    }
    client?.close();
    if (args.events) printEvents(sink);
    rmSync(work, { recursive: true, force: true });
  }
}

function printEvents(sink: EventsSink): void {
  for (const e of sink.events) process.stderr.write(`${e.topic} ${JSON.stringify(e.event)}\n`);
}
