// `tsshim shim (--address unix://PATH | --id ID [--namespace NS] [--containerd-address SOCK]) COMMAND ...`
import { constants } from 'node:os';
import { UsageError, type CommandInfo } from '../usage.ts';

export { UsageError };

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
  kill [-s SIG] [-a] [--exec ID]         signal the task (or an exec); -a: every process of the container
  exec --exec-id ID [-t] -- CMD...       run CMD in the container with our stdio; exits with its status
  delete [--exec ID]                     delete the task (or an exec)
  shutdown                               ask the shim to exit (it does once no container is left)
  dump                                   the shim's state (also written to its log)

options:
  --address unix://PATH       the shim's socket
  --id ID                     the container (and, without --address, the shim's group)
  -n, --namespace NS          default "default"
  --containerd-address SOCK   default /run/containerd/containerd.sock
  --format table|json         default table
  --exec ID, --exec-id ID     an exec process instead of the container's init
  -s, --signal SIG            by number or name (KILL, SIGKILL); default TERM
  -a, --all                   kill every process of the container
  -t, --tty                   exec with a terminal
  -h, --help                  this help
`;

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

interface ParseState {
  target: ShimTarget;
  format: Format;
  execId: string;
  signal: number;
  all: boolean;
  tty: boolean;
}

/** Every flag `tsshim shim` takes (-h/--help are answered before parsing), and what it sets; `value` reads the
 *  flag's value. */
const FLAGS: Record<string, (s: ParseState, value: () => string) => void> = {
  '--address': (s, value) => void (s.target.address = value()),
  '--id': (s, value) => void (s.target.id = value()),
  '--namespace': (s, value) => void (s.target.namespace = value()),
  '-n': (s, value) => void (s.target.namespace = value()),
  '--containerd-address': (s, value) => void (s.target.containerdAddress = value()),
  '--format': (s, value) => {
    const f = value();
    if (f !== 'table' && f !== 'json') throw new UsageError(`--format must be table or json, not ${f}`);
    s.format = f;
  },
  '--exec': (s, value) => void (s.execId = value()),
  '--exec-id': (s, value) => void (s.execId = value()),
  '--signal': (s, value) => void (s.signal = parseSignal(value())),
  '-s': (s, value) => void (s.signal = parseSignal(value())),
  '--all': (s) => void (s.all = true),
  '-a': (s) => void (s.all = true),
  '--tty': (s) => void (s.tty = true),
  '-t': (s) => void (s.tty = true),
};

export const command: CommandInfo = {
  name: 'shim',
  usage: USAGE,
  flags: [...Object.keys(FLAGS), '-h', '--help'],
};

export function parseShimArgs(argv: string[]): ShimArgs {
  const state: ParseState = {
    target: { namespace: 'default', containerdAddress: '/run/containerd/containerd.sock' },
    format: 'table',
    execId: '',
    signal: 15,
    all: false,
    tty: false,
  };
  let name: (typeof COMMANDS)[number] | undefined;
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
    const apply = FLAGS[flag];
    if (!apply) throw new UsageError(`unknown flag ${flag}`);
    apply(state, () => flags.value(flag, t.inline));
  }
  const { target, format } = state;
  if (!name) throw new UsageError('missing command');
  if (!target.address && !target.id) throw new UsageError('give --address or --id');
  if (!target.id && !NEEDS_NO_ID.includes(name))
    throw new UsageError(`${name} needs --id (the container id)`);
  return { target, format, command: shimCommand(name, { ...state, command }) };
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
