// `tsshim doctor`: what this host offers the shim and what would stop it, one line per check (ok, warning,
// error) with the fix; exits 1 when any check is an error. Where containerd runs, its PATH and environment are
// the ones that count (it finds the shim in its PATH and the shim inherits its environment): they are read from
// the daemon process behind --address.
import { readFileSync } from 'node:fs';
import { DEFAULT_SOCKET_DIR } from '../../contract/shim-address.ts';
import { containerdVersion } from '../grpc.ts';
import { shimBinary } from '../shim/binary.ts';
import { optionFlags, parseCommand, parseOptions, type CommandInfo } from '../usage.ts';
import {
  checkAddon,
  checkCgroups,
  checkCodeCaches,
  checkStartClient,
  checkContainerd,
  checkLauncher,
  checkNode,
  checkRuntime,
  checkSeccomp,
  checkShimOnPath,
  checkSocketDir,
  checkTracing,
  type Check,
  type DaemonFacts,
} from './checks.ts';
import { processEnvironment, processExecutable, socketOwner } from './daemon-process.ts';

const DEFAULT_ADDRESS = '/run/containerd/containerd.sock';

const USAGE = `usage: tsshim doctor [--address SOCK] [--runtime BIN] [--socket-dir DIR] [--json]

Checks what this host offers the shim and what would stop it: the launcher and the node it runs, the native
addon, the code caches, the runtime (its version and features), seccomp, cgroups, containerd, whether
containerd finds ${'containerd-shim-tsshim-v2'} in its PATH, the shim socket directory and tracing. Each line is
ok, warning or error, with the fix; the exit status is 1 when there is an error. containerd's PATH and
environment are read from the daemon behind --address (/proc/<pid>/environ, as root).
  --address SOCK     containerd's socket (default ${DEFAULT_ADDRESS})
  --runtime BIN      the runc-compatible runtime the shim runs, its option BinaryName (default runc)
  --socket-dir DIR   where shims bind their sockets (default ${DEFAULT_SOCKET_DIR})
  --json             print {"ok": bool, "checks": [{"name", "level", "message", "fix"}]} instead
  -h, --help         this help
`;

const OPTIONS = {
  address: { type: 'string', default: DEFAULT_ADDRESS },
  runtime: { type: 'string', default: 'runc' },
  'socket-dir': { type: 'string', default: DEFAULT_SOCKET_DIR },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} as const;

export const command: CommandInfo = { name: 'doctor', usage: USAGE, flags: optionFlags(OPTIONS) };

export interface DoctorOptions {
  address: string;
  runtime: string;
  socketDir: string;
}

async function daemonFacts(address: string): Promise<DaemonFacts> {
  try {
    const { version } = await containerdVersion(address);
    const pid = socketOwner(address);
    if (pid === undefined) return { address, version };
    return {
      address,
      version,
      pid,
      ...(processExecutable(pid) === undefined ? {} : { exe: processExecutable(pid) }),
      ...(processEnvironment(pid) === undefined ? {} : { env: processEnvironment(pid) }),
    };
  } catch (err) {
    return { address, error: (err as Error).message };
  }
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export async function runChecks(opts: DoctorOptions): Promise<Check[]> {
  const ours = shimBinary();
  const { check: launcherCheck, launcher } = checkLauncher(ours);
  const node = launcher?.node ?? process.execPath;
  const root = launcher?.root;
  const daemon = await daemonFacts(opts.address);
  const env = daemon.env ?? process.env;
  const where = daemon.env ? `containerd (pid ${daemon.pid})` : 'this shell';
  const runtime = await checkRuntime(opts.runtime, env.PATH, where);
  return [
    launcherCheck,
    await checkNode(node),
    ...(root
      ? [await checkAddon(node, root), checkStartClient(root), await checkCodeCaches(node, root)]
      : []),
    runtime.check,
    checkSeccomp(readOrUndefined('/proc/self/status'), runtime.features),
    checkCgroups(),
    checkContainerd(daemon),
    checkShimOnPath(env.PATH, daemon.exe, ours, where),
    checkSocketDir(opts.socketDir),
    checkTracing(env, where),
  ];
}

export function renderChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.flatMap((c) => [
    `${c.level.padEnd(8)} ${c.name.padEnd(width)}  ${c.message}`,
    ...(c.fix && c.level !== 'ok' ? [`${' '.repeat(8)} ${' '.repeat(width)}  fix: ${c.fix}`] : []),
  ]);
  const count = (level: string): number => checks.filter((c) => c.level === level).length;
  const errors = count('error');
  const warnings = count('warning');
  lines.push(
    '',
    `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
  );
  return `${lines.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, command, (args) => parseOptions(args, OPTIONS).values);
  if (!parsed.ok) return parsed.exitCode;
  const values = parsed.args;
  const checks = await runChecks({
    address: values.address,
    runtime: values.runtime,
    socketDir: values['socket-dir'],
  });
  const ok = !checks.some((c) => c.level === 'error');
  process.stdout.write(values.json ? `${JSON.stringify({ ok, checks }, null, 2)}\n` : renderChecks(checks));
  return ok ? 0 : 1;
}
