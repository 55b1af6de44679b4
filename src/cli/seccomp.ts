import { GO_ARCHES, hostGoArch, isGoArch, type GoArch } from '../seccomp/arch.ts';
import { buildSeccomp } from '../seccomp/build-seccomp.ts';
import { defaultProfile } from '../seccomp/default-profile.ts';
import { hostKernelVersion, parseKernelVersion, type KernelVersion } from '../seccomp/kernel.ts';
import { checkProfileFile, loadProfileFile } from '../seccomp/load-profile.ts';
import { formatIssue } from '../validation/document-error.ts';
import { normalizeCapability, withAdded } from '../oci/capabilities.ts';
import { DEFAULT_CAPABILITIES } from '../oci/default-spec.ts';
import { assertValidLinuxSeccomp } from '../oci/validate-spec.ts';
import {
  optionFlags,
  parseCommand,
  parseOptions,
  printHelp,
  UsageError,
  type CommandInfo,
  type OptionValues,
} from './usage.ts';

const USAGE = `usage: tsshim seccomp show [--arch ARCH] [--cap-add CAP]... [--kernel X.Y] [--profile FILE]
       tsshim seccomp validate FILE...

show      prints the OCI linux.seccomp containerd would give a container: the default profile (or FILE) for
          containerd's default capabilities plus the added ones
  --arch ARCH       a Go architecture name (${GO_ARCHES.join(', ')}); default: this machine's
  --cap-add CAP     add a capability (repeatable)
  --kernel X.Y      the kernel version the profile's minKernel rules are checked against; default: this one's
  --profile FILE    a profile file instead of the default profile
validate  exits 0 if every FILE is a valid profile, else prints each error with its JSON path and exits 1
  -h, --help        this help
`;

const SHOW_OPTIONS = {
  arch: { type: 'string' },
  'cap-add': { type: 'string', multiple: true, default: [] as string[] },
  kernel: { type: 'string' },
  profile: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const command: CommandInfo = { name: 'seccomp', usage: USAGE, flags: optionFlags(SHOW_OPTIONS) };

interface ShowArgs {
  values: OptionValues<typeof SHOW_OPTIONS>;
  arch: GoArch;
  kernel: KernelVersion | null;
}

type SeccompArgs = { sub: 'show'; show: ShowArgs } | { sub: 'validate'; files: string[] } | { sub: 'help' };

function parseShowArgs(argv: string[]): ShowArgs {
  const { values } = parseOptions(argv, SHOW_OPTIONS);
  const arch = values.arch ?? hostGoArch();
  if (!isGoArch(arch)) throw new UsageError(`unknown architecture: ${arch}`);
  const kernel = values.kernel === undefined ? hostKernelVersion() : parseKernelVersion(values.kernel);
  if (values.kernel !== undefined && kernel === null)
    throw new UsageError(`bad kernel version: ${values.kernel}`);
  return { values, arch, kernel };
}

/** validate takes files only; a - alone is a file name, and all after -- are files whatever they look like. */
function parseValidateArgs(argv: string[]): string[] {
  const end = argv.indexOf('--');
  const flag = argv.slice(0, end === -1 ? argv.length : end).find((a) => a.startsWith('-') && a !== '-');
  if (flag !== undefined) throw new UsageError(`Unknown option '${flag}'`);
  const files = argv.filter((_, i) => i !== end);
  if (files.length === 0) throw new UsageError('validate needs a FILE');
  return files;
}

function parseSeccompArgs(argv: string[]): SeccompArgs {
  const [sub, ...rest] = argv;
  if (sub === 'show') return { sub, show: parseShowArgs(rest) };
  if (sub === 'validate') return { sub, files: parseValidateArgs(rest) };
  if (sub === 'help') return { sub };
  throw new UsageError(sub ? `unknown command: ${sub}` : 'missing command');
}

async function show({ values, arch, kernel }: ShowArgs): Promise<number> {
  try {
    const added = values['cap-add'].map(normalizeCapability);
    const profile = values.profile === undefined ? defaultProfile() : await loadProfileFile(values.profile);
    const seccomp = buildSeccomp(profile, {
      arch,
      capabilities: withAdded(DEFAULT_CAPABILITIES, added),
      kernel,
    });
    assertValidLinuxSeccomp(seccomp);
    process.stdout.write(`${JSON.stringify(seccomp, null, 2)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`tsshim seccomp show: ${(err as Error).message}\n`);
    return 1;
  }
}

async function validate(files: string[]): Promise<number> {
  let failed = false;
  for (const file of files) {
    try {
      const check = await checkProfileFile(file);
      if (check.ok) continue;
      failed = true;
      for (const issue of check.issues) process.stdout.write(`${file}: ${formatIssue(issue)}\n`);
    } catch (err) {
      failed = true;
      process.stdout.write(`${file}: ${(err as Error).message}\n`);
    }
  }
  return failed ? 1 : 0;
}

/** `tsshim seccomp show|validate ...`; argv is what follows the word `seccomp`. */
export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, command, parseSeccompArgs);
  if (!parsed.ok) return parsed.exitCode;
  const args = parsed.args;
  if (args.sub === 'show') return show(args.show);
  if (args.sub === 'validate') return validate(args.files);
  return printHelp(USAGE);
}
