import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSpec, type SeccompChoice } from '../oci/generate-spec.ts';
import { loadProfileFile } from '../seccomp/load-profile.ts';
import { optionFlags, parseCommand, parseOptions, UsageError, type CommandInfo } from './usage.ts';

const USAGE = `usage: tsshim spec --bundle DIR [--rootfs PATH] [--seccomp default|unconfined|FILE] [--tty]
                   [--cap-add CAP]... [--hostname NAME] [--cwd DIR] [--env KEY=VALUE]... [-- ARGS...]

Writes DIR/config.json: containerd's default spec without rlimits (the container inherits the runtime's).
  --bundle DIR        the bundle directory (made if missing)
  --rootfs PATH       root.path (default rootfs)
  --seccomp PROFILE   default (containerd's profile), unconfined, or a profile FILE (default: default)
  --tty               give the process a terminal (default: none)
  --cap-add CAP       add a capability to containerd's default set (repeatable)
  --hostname NAME     the container's hostname
  --cwd DIR           the process's working directory (default /)
  --env KEY=VALUE     a variable of the process's environment (repeatable; default: only PATH)
  -- ARGS...          the process's args (default sh)
  -h, --help          this help
`;

const OPTIONS = {
  bundle: { type: 'string' },
  rootfs: { type: 'string' },
  seccomp: { type: 'string' },
  tty: { type: 'boolean', default: false },
  'cap-add': { type: 'string', multiple: true, default: [] as string[] },
  hostname: { type: 'string' },
  cwd: { type: 'string' },
  env: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const command: CommandInfo = { name: 'spec', usage: USAGE, flags: optionFlags(OPTIONS) };

async function seccompChoice(value: string | undefined): Promise<SeccompChoice> {
  if (value === undefined || value === 'default') return { kind: 'default' };
  if (value === 'unconfined') return { kind: 'unconfined' };
  return { kind: 'profile', profile: await loadProfileFile(value) };
}

/** spec's own flags come before the first --; all after it are the container's args, taken as they are (a
 *  second -- or a --help there is the container's). */
function parseSpecArgs(argv: string[]) {
  const split = argv.indexOf('--');
  const { values } = parseOptions(split === -1 ? argv : argv.slice(0, split), OPTIONS);
  if (!values.bundle) throw new UsageError('--bundle is required');
  return { values, bundle: values.bundle, containerArgs: split === -1 ? [] : argv.slice(split + 1) };
}

/** `tsshim spec ...`; argv is what follows the word `spec`. */
export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, command, parseSpecArgs);
  if (!parsed.ok) return parsed.exitCode;
  const { values, bundle, containerArgs } = parsed.args;
  try {
    const spec = generateSpec({
      args: containerArgs,
      tty: values.tty,
      capAdd: values['cap-add'],
      seccomp: await seccompChoice(values.seccomp),
      ...(values.rootfs === undefined ? {} : { rootfs: values.rootfs }),
      ...(values.hostname === undefined ? {} : { hostname: values.hostname }),
      ...(values.cwd === undefined ? {} : { cwd: values.cwd }),
      ...(values.env === undefined ? {} : { env: values.env }),
    });
    await mkdir(bundle, { recursive: true });
    await writeFile(join(bundle, 'config.json'), `${JSON.stringify(spec, null, 2)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`tsshim spec: ${(err as Error).message}\n`);
    return 1;
  }
}
