// `tsshim run` options.
import { optionFlags, parseOptions, UsageError, type CommandInfo } from '../usage.ts';

export interface RunArgs {
  rootfs?: string;
  bundle?: string;
  tty: boolean;
  id: string;
  runtime?: string;
  namespace: string;
  events: boolean;
  debug: boolean;
  command: string[];
}

export const RUN_USAGE = `usage: tsshim run (--rootfs DIR | --bundle DIR) [-t] [--id ID] [--runtime BIN] [--namespace NS] [--events]
                  [--debug] [-- CMD...]

Runs a container through the shim with no containerd: tsshim plays containerd's part (starts the shim,
serves its events, makes the FIFOs) and relays the container's stdio and exit code.
  --rootfs DIR      a root filesystem; tsshim generates the OCI spec (CMD defaults to sh)
  --bundle DIR      an OCI bundle (config.json + rootfs); CMD, if given, replaces process.args
  -t, --tty         give the container a terminal
  --id ID           container id (default: tsshim-<random>)
  --runtime BIN     runc-compatible runtime (default: runc), e.g. crun
  --namespace NS    the namespace the shim is started in (default: tsshim)
  --events          print the task events the shim published, to stderr, at the end
  --debug           run the shim with -debug and copy its log to stderr
  -h, --help        this help
`;

const OPTIONS = {
  rootfs: { type: 'string' },
  bundle: { type: 'string' },
  tty: { type: 'boolean', short: 't', default: false },
  id: { type: 'string' },
  runtime: { type: 'string' },
  namespace: { type: 'string', default: 'tsshim' },
  events: { type: 'boolean', default: false },
  debug: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const command: CommandInfo = { name: 'run', usage: RUN_USAGE, flags: optionFlags(OPTIONS) };

/** The options of `tsshim run` (after the word run); throws UsageError, or parseArgs's errors, for bad ones. */
export function parseRunArgs(argv: string[]): RunArgs {
  const { values, positionals } = parseOptions(argv, OPTIONS, { allowPositionals: true });
  if (!values.rootfs === !values.bundle)
    throw new UsageError('exactly one of --rootfs and --bundle is needed');
  const id = values.id ?? `tsshim-${Math.random().toString(36).slice(2, 10)}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,75}$/.test(id))
    throw new UsageError(`invalid container id ${JSON.stringify(id)}`);
  return {
    rootfs: values.rootfs,
    bundle: values.bundle,
    tty: values.tty ?? false,
    id,
    runtime: values.runtime,
    namespace: values.namespace ?? 'tsshim',
    events: values.events ?? false,
    debug: values.debug ?? false,
    command: positionals,
  };
}
