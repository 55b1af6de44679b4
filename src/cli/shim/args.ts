// `tsshim shim (--address unix://PATH | --id ID [--namespace NS] [--containerd-address SOCK]) COMMAND ...`
import { constants } from 'node:os';

export const USAGE = `usage: tsshim shim (--address unix://PATH | --id ID [--namespace NS] [--containerd-address SOCK])
                  [--format table|json] COMMAND [options]

Talks ttrpc straight to a live shim, without containerd. With --id the shim's address is computed the way the
shim computes it: unix:///run/containerd/s/<sha256 of "<containerd address>/<namespace>/<id>">. --id is also the
container the commands act on (give it with --address too, except for dump and shutdown).

commands:
  state [--exec ID]                      the task's (or an exec's) state
  pids                                   processes in the container
  stats                                  cgroup metrics
  connect                                shim and task pids
  kill [--signal SIG] [--all] [--exec ID]
  exec --exec-id ID [-t] -- CMD...       run CMD in the container with our stdio; exits with its status
  delete [--exec ID]                     delete the task (or an exec)
  shutdown                               ask the shim to exit (it does once no container is left)
  dump                                   the shim's state (also written to its log)

options:
  --namespace NS            default "default"
  --containerd-address SOCK default /run/containerd/containerd.sock
  --format table|json       default table
`;

export class UsageError extends Error {}

export type Format = 'table' | 'json';

export interface ShimTarget {
  address?: string;
  id?: string;
  namespace: string;
  containerdAddress: string;
}

export type ShimCommand =
  | { name: 'state'; execId: string }
  | { name: 'pids' }
  | { name: 'stats' }
  | { name: 'connect' }
  | { name: 'kill'; signal: number; all: boolean; execId: string }
  | { name: 'exec'; execId: string; tty: boolean; command: string[] }
  | { name: 'delete'; execId: string }
  | { name: 'shutdown' }
  | { name: 'dump' };

export interface ShimArgs {
  target: ShimTarget;
  format: Format;
  command: ShimCommand;
}

const COMMANDS = ['state', 'pids', 'stats', 'connect', 'kill', 'exec', 'delete', 'shutdown', 'dump'] as const;
const NEEDS_NO_ID: readonly string[] = ['dump', 'shutdown'];

/** A signal by number or name (`9`, `KILL`, `SIGKILL`, `sigkill`). */
export function parseSignal(value: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  const upper = value.toUpperCase();
  const name = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as keyof typeof constants.signals;
  const n = constants.signals[name];
  if (n === undefined) throw new UsageError(`unknown signal ${JSON.stringify(value)}`);
  return n;
}

/** Walks `--flag value`, `--flag=value` and bare switches; everything after `--` is positional. */
class Flags {
  private i = 0;
  constructor(private readonly argv: string[]) {}

  next(): { flag?: string; inline?: string; positional?: string; rest?: string[] } | undefined {
    if (this.i >= this.argv.length) return undefined;
    const arg = this.argv[this.i++]!;
    if (arg === '--') {
      const rest = this.argv.slice(this.i);
      this.i = this.argv.length;
      return { rest };
    }
    if (!arg.startsWith('-') || arg === '-') return { positional: arg };
    const eq = arg.indexOf('=');
    return eq > 0 ? { flag: arg.slice(0, eq), inline: arg.slice(eq + 1) } : { flag: arg };
  }

  value(flag: string, inline: string | undefined): string {
    if (inline !== undefined) return inline;
    const v = this.argv[this.i++];
    if (v === undefined) throw new UsageError(`flag ${flag} needs a value`);
    return v;
  }
}

export function parseShimArgs(argv: string[]): ShimArgs {
  const target: ShimTarget = { namespace: 'default', containerdAddress: '/run/containerd/containerd.sock' };
  let format: Format = 'table';
  let name: (typeof COMMANDS)[number] | undefined;
  let execId = '';
  let signal = 15;
  let all = false;
  let tty = false;
  let command: string[] = [];
  const flags = new Flags(argv);
  for (let t = flags.next(); t; t = flags.next()) {
    if (t.rest) {
      command = t.rest;
      break;
    }
    if (t.positional !== undefined) {
      if (name)
        throw new UsageError(`unexpected argument ${JSON.stringify(t.positional)} (a command goes after --)`);
      if (!(COMMANDS as readonly string[]).includes(t.positional))
        throw new UsageError(`unknown command ${JSON.stringify(t.positional)}`);
      name = t.positional as (typeof COMMANDS)[number];
      continue;
    }
    const flag = t.flag!;
    switch (flag) {
      case '--address':
        target.address = flags.value(flag, t.inline);
        break;
      case '--id':
        target.id = flags.value(flag, t.inline);
        break;
      case '--namespace':
      case '-n':
        target.namespace = flags.value(flag, t.inline);
        break;
      case '--containerd-address':
        target.containerdAddress = flags.value(flag, t.inline);
        break;
      case '--format': {
        const f = flags.value(flag, t.inline);
        if (f !== 'table' && f !== 'json') throw new UsageError(`--format must be table or json, not ${f}`);
        format = f;
        break;
      }
      case '--exec':
      case '--exec-id':
        execId = flags.value(flag, t.inline);
        break;
      case '--signal':
      case '-s':
        signal = parseSignal(flags.value(flag, t.inline));
        break;
      case '--all':
      case '-a':
        all = true;
        break;
      case '-t':
      case '--tty':
        tty = true;
        break;
      default:
        throw new UsageError(`unknown flag ${flag}`);
    }
  }
  if (!name) throw new UsageError('missing command');
  if (!target.address && !target.id) throw new UsageError('give --address or --id');
  if (!target.id && !NEEDS_NO_ID.includes(name))
    throw new UsageError(`${name} needs --id (the container id)`);
  return { target, format, command: shimCommand(name, { execId, signal, all, tty, command }) };
}

function shimCommand(
  name: (typeof COMMANDS)[number],
  o: { execId: string; signal: number; all: boolean; tty: boolean; command: string[] },
): ShimCommand {
  switch (name) {
    case 'state':
    case 'delete':
      return { name, execId: o.execId };
    case 'kill':
      return { name, signal: o.signal, all: o.all, execId: o.execId };
    case 'exec':
      if (!o.execId) throw new UsageError('exec needs --exec-id');
      if (o.command.length === 0) throw new UsageError('exec needs a command after --');
      return { name, execId: o.execId, tty: o.tty, command: o.command };
    default:
      return { name };
  }
}
