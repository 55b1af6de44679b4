import { parseArgs } from 'node:util';
import { GO_ARCHES, hostGoArch, isGoArch } from '../seccomp/arch.ts';
import { buildSeccomp } from '../seccomp/build-seccomp.ts';
import { defaultProfile } from '../seccomp/default-profile.ts';
import { hostKernelVersion, parseKernelVersion } from '../seccomp/kernel.ts';
import { checkProfileFile, loadProfileFile } from '../seccomp/load-profile.ts';
import { formatIssue } from '../seccomp/validation-error.ts';
import { normalizeCapability, withAdded } from '../oci/capabilities.ts';
import { DEFAULT_CAPABILITIES } from '../oci/default-spec.ts';
import { assertValidLinuxSeccomp } from '../oci/validate-spec.ts';

const USAGE = `usage: tsshim seccomp show [--arch ARCH] [--cap-add CAP]... [--kernel X.Y] [--profile FILE]
         prints the OCI linux.seccomp for containerd's default capabilities plus the added ones
       tsshim seccomp validate FILE...
         exits 0 if every file is a valid profile, else prints each error with its JSON path and exits 1
ARCH is a Go architecture name (${GO_ARCHES.join(', ')}); default: this machine's.
`;

function usageError(message: string): number {
  process.stderr.write(`tsshim seccomp: ${message}\n${USAGE}`);
  return 2;
}

async function show(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        arch: { type: 'string' },
        'cap-add': { type: 'string', multiple: true, default: [] },
        kernel: { type: 'string' },
        profile: { type: 'string' },
      },
    }));
  } catch (err) {
    return usageError((err as Error).message);
  }
  const arch = values.arch ?? hostGoArch();
  if (!isGoArch(arch)) return usageError(`unknown architecture: ${arch}`);
  const kernel = values.kernel === undefined ? hostKernelVersion() : parseKernelVersion(values.kernel);
  if (values.kernel !== undefined && kernel === null)
    return usageError(`bad kernel version: ${values.kernel}`);
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
  if (files.length === 0) return usageError('validate needs a FILE');
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
  const [command, ...rest] = argv;
  if (command === 'show') return show(rest);
  if (command === 'validate') return validate(rest);
  if (command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  return usageError(command ? `unknown command: ${command}` : 'missing command');
}
