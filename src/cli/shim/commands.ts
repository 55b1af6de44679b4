// Each `tsshim shim` command: one Task (or Debug) call, its reply made readable.
import { decode, hasMessageType } from '../../api/codec.ts';
import { typeNameOf, type AnyMessage } from '../../api/any.ts';
import { fromTimestamp, type Timestamp } from '../../api/timestamp.ts';
import {
  TaskStatus,
  TypeNames,
  type ConnectResponse,
  type DeleteResponse,
  type ProcessInfo,
  type StateResponse,
} from '../../api/types.ts';
import { DEBUG_SERVICE } from '../../contract/debug-service.ts';
import { Code, TtrpcError } from '../../ttrpc/index.ts';
import type { ShimCommand } from './args.ts';
import type { ShimClient } from './client.ts';
import type { Output } from './format.ts';

function time(ts: Timestamp | null | undefined): string {
  return fromTimestamp(ts)?.toISOString() ?? '';
}

export function stateRecord(s: StateResponse): Record<string, unknown> {
  return {
    id: s.id,
    exec_id: s.exec_id ?? '',
    pid: s.pid,
    status: TaskStatus[s.status] ?? String(s.status),
    bundle: s.bundle,
    terminal: s.terminal,
    stdin: s.stdin,
    stdout: s.stdout,
    stderr: s.stderr,
    exit_status: s.exit_status,
    exited_at: time(s.exited_at),
  };
}

function decodeAny(message: AnyMessage | null | undefined): Record<string, unknown> | undefined {
  if (!message) return undefined;
  const name = typeNameOf(message);
  if (hasMessageType(name)) return { type: name, ...decode<Record<string, unknown>>(name, message.value) };
  return { type: message.type_url, value: message.value };
}

export async function state(shim: ShimClient, id: string, execId: string): Promise<StateResponse> {
  return shim.task<StateResponse>(
    'State',
    TypeNames.stateRequest,
    { id, exec_id: execId },
    TypeNames.stateResponse,
  );
}

export async function runCommand(
  shim: ShimClient,
  id: string,
  cmd: Exclude<ShimCommand, { name: 'exec' }>,
): Promise<Output> {
  const T = TypeNames;
  switch (cmd.name) {
    case 'state':
      return { kind: 'record', value: stateRecord(await state(shim, id, cmd.execId)) };
    case 'pids': {
      const res = await shim.task<{ processes: ProcessInfo[] }>(
        'Pids',
        T.pidsRequest,
        { id },
        T.pidsResponse,
      );
      return {
        kind: 'rows',
        rows: res.processes.map((p) => {
          const info = decodeAny(p.info);
          return { pid: p.pid, exec_id: typeof info?.exec_id === 'string' ? info.exec_id : '' };
        }),
      };
    }
    case 'stats': {
      const res = await shim.task<{ stats: AnyMessage | null }>(
        'Stats',
        T.statsRequest,
        { id },
        T.statsResponse,
      );
      return { kind: 'record', value: decodeAny(res.stats) ?? {} };
    }
    case 'connect': {
      const res = await shim.task<ConnectResponse>('Connect', T.connectRequest, { id }, T.connectResponse);
      return {
        kind: 'record',
        value: { shim_pid: res.shim_pid, task_pid: res.task_pid, version: res.version ?? '' },
      };
    }
    case 'kill':
      await shim.task('Kill', T.killRequest, { id, exec_id: cmd.execId, signal: cmd.signal, all: cmd.all });
      return { kind: 'none' };
    case 'delete': {
      const res = await shim.task<DeleteResponse>(
        'Delete',
        T.deleteRequest,
        { id, exec_id: cmd.execId },
        T.deleteResponse,
      );
      return {
        kind: 'record',
        value: { pid: res.pid, exit_status: res.exit_status, exited_at: time(res.exited_at) },
      };
    }
    case 'shutdown':
      await shim.task('Shutdown', T.shutdownRequest, { id, now: false });
      return { kind: 'none' };
    case 'dump':
      return { kind: 'record', value: await dump(shim, id) };
  }
}

/** Our shims answer tsshim.debug.v1.Debug/Dump; any other shim (the Go one) gets SIGUSR1, which makes it write
 *  a dump (goroutine stacks, for Go) into its log, i.e. containerd's log. */
async function dump(shim: ShimClient, id: string): Promise<Record<string, unknown>> {
  try {
    const out = await shim.raw(DEBUG_SERVICE, 'Dump', new Uint8Array());
    return JSON.parse(Buffer.from(out).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof TtrpcError) || err.code !== Code.Unimplemented) throw err;
  }
  const res = await shim.task<ConnectResponse>(
    'Connect',
    TypeNames.connectRequest,
    { id },
    TypeNames.connectResponse,
  );
  process.kill(res.shim_pid, 'SIGUSR1');
  return {
    shim_pid: res.shim_pid,
    dump: 'sent SIGUSR1: the shim writes its dump to its log (containerd log)',
  };
}
