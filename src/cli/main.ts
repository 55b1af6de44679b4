// The `tsshim` tool: run a container through the shim with no containerd, generate specs, check seccomp
// profiles, and talk to a live shim.
const USAGE = `usage: tsshim <command> [options]

commands:
  run       run a container through the shim, with no containerd
  spec      write an OCI config.json
  seccomp   show the default seccomp profile or validate a profile file
  shim      talk to a live shim over ttrpc
  info      print what the shim's -info returns, as JSON
`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run/index.ts')).main,
  spec: async () => (await import('./spec.ts')).main,
  seccomp: async () => (await import('./seccomp.ts')).main,
  shim: async () => (await import('./shim/index.ts')).main,
  info: async () => (await import('./info.ts')).main,
};

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`tsshim: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return 2;
  }
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
