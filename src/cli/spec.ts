import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSpec, type SeccompChoice } from '../oci/generate-spec.ts';
import { loadProfileFile } from '../seccomp/load-profile.ts';

const USAGE = `usage: tsshim spec --bundle DIR [--rootfs PATH] [--seccomp default|unconfined|FILE] [--tty]
                   [--cap-add CAP]... [--hostname NAME] [--cwd DIR] [--env KEY=VALUE]... [-- ARGS...]
Writes DIR/config.json: containerd's default spec without rlimits (the container inherits the runtime's),
args "sh" unless given after --, no terminal unless --tty, seccomp "default" unless told otherwise.
`;

async function seccompChoice(value: string | undefined): Promise<SeccompChoice> {
  if (value === undefined || value === 'default') return { kind: 'default' };
  if (value === 'unconfined') return { kind: 'unconfined' };
  return { kind: 'profile', profile: await loadProfileFile(value) };
}

/** `tsshim spec ...`; argv is what follows the word `spec`. */
export async function main(argv: string[]): Promise<number> {
  const split = argv.indexOf('--');
  const optionArgs = split === -1 ? argv : argv.slice(0, split);
  const containerArgs = split === -1 ? [] : argv.slice(split + 1);
  let values;
  try {
    ({ values } = parseArgs({
      args: optionArgs,
      strict: true,
      allowPositionals: false,
      options: {
        bundle: { type: 'string' },
        rootfs: { type: 'string' },
        seccomp: { type: 'string' },
        tty: { type: 'boolean', default: false },
        'cap-add': { type: 'string', multiple: true, default: [] },
        hostname: { type: 'string' },
        cwd: { type: 'string' },
        env: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`tsshim spec: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.bundle) {
    process.stderr.write(`tsshim spec: --bundle is required\n${USAGE}`);
    return 2;
  }
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
    await mkdir(values.bundle, { recursive: true });
    await writeFile(join(values.bundle, 'config.json'), `${JSON.stringify(spec, null, 2)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`tsshim spec: ${(err as Error).message}\n`);
    return 1;
  }
}
