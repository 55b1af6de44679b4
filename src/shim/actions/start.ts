// `start`: print the address of the shim that will serve this container, starting one if needed.
// containerd reads stdout and stderr together as the answer, so nothing else may be written.
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { AnyMessage } from '../../api/any.ts';
import {
  decodeAny,
  decodeBootstrapParams,
  decodeShimCgroup,
  encodeBootstrapResult,
} from '../../api/start-wire.ts';
import { spawnDaemon, type Daemon } from '../../spawn/daemon.ts';
import { DEFAULT_SOCKET_DIR, groupId, socketAddress, socketPath } from '../../contract/shim-address.ts';
import { readBundleSpec, writeAddressFile } from '../bundle-files.ts';
import { daemonArgs, type ShimFlags } from '../flags.ts';
import { moveProcessToCgroup } from '../../cgroups/placement.ts';
import { daemonNodeFlags } from '../boot/daemon-flags.ts';
import { probeSocket } from '../socket-probe.ts';
import { handleFd } from '../boot/handle-fd.ts';
import { checkFlagIdentifiers } from '../identifiers.ts';
import { readStdin } from '../stdin.ts';
import { handOver, sparesEnabled } from '../spare/handover.ts';
import { buildIdentity, spareName } from '../spare/identity.ts';
import type { Handover } from '../spare/protocol.ts';

function listenerFd(server: net.Server): number {
  const fd = handleFd(server);
  if (fd === undefined) throw new Error('cannot get the listening socket fd');
  return fd;
}

const RUNC_OPTIONS = 'containerd.runc.v1.Options';

interface StartInput {
  /** 2.3+ daemon: answer with a BootstrapResult */
  bootstrap: boolean;
  options: AnyMessage | undefined;
  socketDir: string | undefined;
}

/** 2.3+ sends BootstrapParams; older daemons send the runtime options Any (or nothing). The legacy Any can
 *  decode as BootstrapParams too, so only an id and namespace that match our flags identify a 2.3+ daemon. */
export function parseStartInput(stdin: Uint8Array, flags: Pick<ShimFlags, 'id' | 'namespace'>): StartInput {
  if (stdin.length > 0) {
    try {
      const params = decodeBootstrapParams(stdin);
      if (params.instance_id === flags.id && params.namespace === flags.namespace) {
        const options = params.extensions.find((e) => e.type_url === RUNC_OPTIONS);
        return { bootstrap: true, options, socketDir: params.socket_dir || undefined };
      }
    } catch {
      // not BootstrapParams: the legacy Any below
    }
    try {
      return { bootstrap: false, options: decodeAny(stdin), socketDir: undefined };
    } catch {
      // 2.0–2.2 ignore undecodable options too
    }
  }
  return { bootstrap: false, options: undefined, socketDir: undefined };
}

/** Version 3 (task v3, sandbox reuse) only where we know the daemon understands it: 2.3+ tells us through the
 *  bootstrap protocol. A plain address means version 2, which 1.6, 1.7 and 2.0–2.2 all accept (1.7 rejects a
 *  JSON version 3 answer, and 1.7 cannot be told from 2.0–2.2); we serve task v2 and v3 alike. */
export function startAnswer(address: string, bootstrap: boolean): Uint8Array {
  if (bootstrap) return encodeBootstrapResult(3, address, 'ttrpc');
  return Buffer.from(address);
}

/** Options of another type are ignored here, as 2.0–2.2 do: Create validates them for real. */
function shimCgroupOf(options: AnyMessage | undefined): string {
  if (!options || options.type_url !== RUNC_OPTIONS) return '';
  return decodeShimCgroup(options.value);
}

function listen(path: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ path, exclusive: true }, () => {
      server.removeListener('error', reject);
      resolve(server);
    });
  });
}

type Listening = { reused: true } | { reused: false; server: net.Server };

async function listenOrReuse(path: string): Promise<Listening> {
  try {
    return { reused: false, server: await listen(path) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
  }
  // as the Go shim: a socket that does not accept within 100 ms is stale
  if ((await probeSocket(path, 100)) === 'accepts') return { reused: true };
  unlinkSync(path);
  return { reused: false, server: await listen(path) };
}

function setChildOomScore(childPid: number): void {
  let parent = 0;
  try {
    parent = Number.parseInt(readFileSync(`/proc/${process.ppid}/oom_score_adj`, 'utf8'), 10) || 0;
  } catch {
    /* no parent score: use 0 */
  }
  try {
    writeFileSync(`/proc/${childPid}/oom_score_adj`, String(Math.max(-1000, Math.min(1000, parent + 1))));
  } catch {
    // EPERM (unprivileged, user namespaces) is not an error, as in the Go shim
  }
}

export interface StartOutcome {
  /** what containerd reads */
  answer: Uint8Array;
  /** a new sandbox got a daemon (a spare or a booted one), rather than joining a running shim */
  newSandbox: boolean;
}

export async function startAction(flags: ShimFlags, scriptPath: string): Promise<StartOutcome> {
  if (!flags.namespace) throw new Error('shim namespace cannot be empty');
  checkFlagIdentifiers(flags);
  const bundle = process.cwd();
  const input = parseStartInput(readStdin('start'), flags);
  const spec = readBundleSpec(bundle);
  const socketDir = input.socketDir ?? DEFAULT_SOCKET_DIR;
  const address = socketAddress(
    flags.address,
    flags.namespace,
    groupId(flags.id, spec.annotations),
    socketDir,
  );
  const path = socketPath(address);

  if (input.bootstrap && input.socketDir) {
    rmSync(join(bundle, 's'), { force: true });
    symlinkSync(input.socketDir, join(bundle, 's'));
  }
  mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  const listening = await listenOrReuse(path);
  if (listening.reused) {
    writeAddressFile(bundle, address);
    return { answer: startAnswer(address, input.bootstrap), newSandbox: false };
  }
  const server = listening.server;
  let pid: number | undefined;
  try {
    chmodSync(path, 0o600);
    writeAddressFile(bundle, address);
    const env = { ...process.env, OTEL_SERVICE_NAME: `containerd-shim-${flags.id}` };
    pid = adoptedBySpare(flags, bundle, env, listenerFd(server), scriptPath);
    if (pid === undefined) {
      const child: Daemon = spawnDaemon(
        process.execPath,
        [...daemonNodeFlags(), scriptPath, ...daemonArgs(flags)],
        {
          cwd: bundle,
          env,
          extraFds: [listenerFd(server)],
        },
      );
      pid = child.pid;
    }
    const shimCgroup = shimCgroupOf(input.options);
    if (shimCgroup) moveProcessToCgroup(pid, shimCgroup);
    setChildOomScore(pid);
    // no server.close(): libuv would unlink the socket file the daemon now serves; exiting releases our copy
    return { answer: startAnswer(address, input.bootstrap), newSandbox: true };
  } catch (err) {
    if (pid !== undefined) killQuietly(pid);
    server.close();
    rmSync(path, { force: true });
    throw err;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** the name containerd ran the shim by, as a booted daemon's process title starts */
function invokedAs(scriptPath: string): string {
  return process.env.TSSHIM_ARGV0 || scriptPath;
}

/** Hands the sandbox to this containerd's spare: the pid of the daemon that now serves it, or undefined. */
function adoptedBySpare(
  flags: ShimFlags,
  bundle: string,
  env: NodeJS.ProcessEnv,
  listener: number,
  scriptPath: string,
): number | undefined {
  if (!sparesEnabled(process.env) || !flags.address) return undefined;
  const handover: Handover = {
    version: 1,
    flags: {
      namespace: flags.namespace,
      id: flags.id,
      address: flags.address,
      publishBinary: flags.publishBinary,
      debug: flags.debug,
    },
    bundle,
    env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    title: [invokedAs(scriptPath), ...daemonArgs(flags)].join(' '),
  };
  return handOver(spareName(flags.address, buildIdentity(scriptPath)), handover, listener);
}

/** room in a spare's command line for the title it takes when it adopts a sandbox (Linux keeps a process title
 *  within the memory of its original arguments) */
const TITLE_ROOM = '-'.repeat(384);

/** After `start` has answered: boot the spare the next `start` will hand its sandbox to. At most one runs per
 *  containerd: a second finds the name taken and exits. */
export function startNextSpare(flags: ShimFlags, scriptPath: string): void {
  if (!sparesEnabled(process.env) || !flags.address) return;
  try {
    spawnDaemon(
      process.execPath,
      [...daemonNodeFlags(), scriptPath, '-address', flags.address, 'spare', TITLE_ROOM],
      {
        cwd: '/',
        env: process.env,
        extraFds: [],
      },
    );
  } catch {
    // the container started all the same; the next start boots a daemon
  }
}
