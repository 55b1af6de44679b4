// The `tsshim` tool: run a container through the shim with no containerd, generate specs, check seccomp
// profiles, talk to a live shim, and check what this host offers the shim. Each command is loaded only when run.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInfo } from '../build-info.ts';
import { printHelp, usageFailure } from './usage.ts';

const USAGE = `usage: tsshim <command> [options]
       tsshim help <command>
       tsshim --version

commands:
  run       run a container through the shim, with no containerd
  spec      write an OCI config.json
  seccomp   show the default seccomp profile or validate a profile file
  shim      talk to a live shim over ttrpc
  info      print what the shim's -info returns, as JSON
  doctor    check what this host offers the shim and what would stop it

options:
  -v, --version   print tsshim's version and the git revision it was built from
  -h, --help      this help; \`tsshim <command> --help\` for a command's
`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run/index.ts')).main,
  spec: async () => (await import('./spec.ts')).main,
  seccomp: async () => (await import('./seccomp.ts')).main,
  shim: async () => (await import('./shim/index.ts')).main,
  info: async () => (await import('./info.ts')).main,
  doctor: async () => (await import('./doctor/index.ts')).main,
};

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (name === undefined) return usageFailure('', 'missing command', USAGE);
  if (name === '-h' || name === '--help') return printHelp(USAGE);
  if (name === '-v' || name === '--version') {
    const { version, revision } = buildInfo(dirname(fileURLToPath(import.meta.url)));
    process.stdout.write(`tsshim ${version} (revision ${revision}, node ${process.version})\n`);
    return 0;
  }
  if (name === 'help') {
    const [topic] = rest;
    if (topic === undefined) return printHelp(USAGE);
    const load = commands[topic];
    return load ? (await load())(['--help']) : usageFailure('help', `unknown command ${topic}`, USAGE);
  }
  const load = commands[name];
  if (!load) return usageFailure('', `unknown command ${JSON.stringify(name)}`, USAGE);
  return (await load())(rest);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tsshim: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
