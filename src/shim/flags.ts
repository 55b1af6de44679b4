// The shim's command line, parsed the way Go's `flag` package does it: one or two dashes, `-f v` or
// `-f=v`, flags before the action word, booleans without a value.
export interface ShimFlags {
  namespace: string;
  id: string;
  address: string;
  publishBinary: string;
  bundle: string;
  socket: string;
  debugSocket: string;
  debug: boolean;
  version: boolean;
  info: boolean;
  /** start, delete, or '' for the long-running server */
  action: string;
  rest: string[];
}

const stringFlags = {
  namespace: 'namespace',
  id: 'id',
  address: 'address',
  'publish-binary': 'publishBinary',
  bundle: 'bundle',
  socket: 'socket',
  'debug-socket': 'debugSocket',
} as const;

const boolFlags = { debug: 'debug', v: 'version', version: 'version', info: 'info' } as const;

export class FlagError extends Error {}

function isKey<T extends object>(obj: T, key: string): key is Extract<keyof T, string> {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

export function parseFlags(argv: readonly string[]): ShimFlags {
  const flags: ShimFlags = {
    namespace: '',
    id: '',
    address: '',
    publishBinary: '',
    bundle: '',
    socket: '',
    debugSocket: '',
    debug: false,
    version: false,
    info: false,
    action: '',
    rest: [],
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (isKey(boolFlags, name)) {
      const value = inline === undefined ? true : parseBool(name, inline);
      flags[boolFlags[name]] = value;
    } else if (isKey(stringFlags, name)) {
      let value = inline;
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: -${name}`);
        value = argv[++i]!;
      }
      flags[stringFlags[name]] = value;
    } else {
      throw new FlagError(`flag provided but not defined: -${name}`);
    }
  }
  flags.action = argv[i] ?? '';
  flags.rest = argv.slice(i + 1);
  return flags;
}

function parseBool(name: string, value: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new FlagError(`invalid boolean value ${JSON.stringify(value)} for -${name}`);
}

/** The argv the `start` action gives the long-running server it spawns. */
export function daemonArgs(flags: ShimFlags): string[] {
  const args = ['-namespace', flags.namespace, '-id', flags.id, '-address', flags.address];
  if (flags.debug) args.push('-debug');
  return args;
}
