// `start`: print the address of the shim that will serve this container, starting one if needed.
// containerd reads stdout and stderr together as the answer, so nothing else may be written.
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyMessage } from '../../api/any.ts';
import {
  decodeAny,
  decodeBootstrapParams,
  decodeShimCgroup,
  encodeBootstrapResult,
} from '../../api/start-wire.ts';
import { spawnDaemon, type Daemon } from '../../spawn/daemon.ts';
import { DEFAULT_SOCKET_DIR, groupId, socketPath } from '../../contract/shim-address.ts';
import { shimSocketAddress } from '../socket-address.ts';
import { readBundleSpec, writeAddressFile } from '../bundle-files.ts';
import { daemonArgs, type ShimFlags } from '../flags.ts';
import { moveProcessToCgroup } from '../../cgroups/placement.ts';
import { daemonNodeFlags } from '../boot/daemon-flags.ts';
import { probeSocket } from '../socket-probe.ts';
import { closeQuietly } from '../../fs/close-quietly.ts';
import { native } from '../../native/index.ts';
import { checkFlagIdentifiers } from '../identifiers.ts';
import { readStdin } from '../stdin.ts';
import { handOver, sparesEnabled } from '../spare/handover.ts';
import { buildIdentity, spareLockName, spareName } from '../spare/identity.ts';
import { handoverOf } from '../spare/protocol.ts';

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

/** as Node's net servers: containerd connects once, but a group's containers may arrive together */
const SOCKET_BACKLOG = 511;

/** The shim socket's listening fd, or undefined when a live shim already serves it (a grouped sandbox). */
async function listenOrReuse(path: string): Promise<number | undefined> {
  try {
    return native().unixListen(path, SOCKET_BACKLOG);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
  }
  // as the Go shim: a socket that does not accept within 100 ms is stale
  if ((await probeSocket(path, 100)) === 'accepts') return undefined;
  unlinkSync(path);
  return native().unixListen(path, SOCKET_BACKLOG);
}

/** The daemon's OOM score: one above containerd's (the process that ran `start`), as the Go shim sets it. */
function setDaemonOomScore(daemonPid: number, containerdPid: number): void {
  let parent = 0;
  try {
    parent = Number.parseInt(readFileSync(`/proc/${containerdPid}/oom_score_adj`, 'utf8'), 10) || 0;
  } catch {
    /* no parent score: use 0 */
  }
  try {
    writeFileSync(`/proc/${daemonPid}/oom_score_adj`, String(Math.max(-1000, Math.min(1000, parent + 1))));
  } catch {
    // EPERM (unprivileged, user namespaces) is not an error, as in the Go shim
  }
}

/** What `start` was asked: by containerd directly (the Node action), or through a start client to a spare. */
export interface StartRequest {
  flags: ShimFlags;
  /** the working directory containerd ran `start` in */
  bundle: string;
  /** the environment containerd gave `start` */
  env: NodeJS.ProcessEnv;
  stdin: Uint8Array;
  /** the process that ran `start` */
  containerdPid: number;
}

/** A sandbox's socket, claimed: either a live shim serves it already, or the caller must give it a daemon. */
export type SandboxClaim =
  | { reused: true; answer: Uint8Array }
  | {
      reused: false;
      answer: Uint8Array;
      listenerFd: number;
      /** what the daemon gets: the runtime environment, and the process title of a booted daemon */
      daemonEnv: Record<string, string>;
      title: string;
      /** puts the daemon where containerd asked (shim_cgroup) with its OOM score */
      place(daemonPid: number): void;
      /** undoes the claim after a failure: the socket file goes, and this process's copy of the listener */
      release(): void;
    };

export async function claimSandbox(req: StartRequest, scriptPath: string): Promise<SandboxClaim> {
  const { flags, bundle } = req;
  if (!flags.namespace) throw new Error('shim namespace cannot be empty');
  checkFlagIdentifiers(flags);
  const input = parseStartInput(req.stdin, flags);
  const spec = readBundleSpec(bundle);
  const socketDir = input.socketDir ?? DEFAULT_SOCKET_DIR;
  const address = shimSocketAddress(
    flags.address,
    flags.namespace,
    groupId(flags.id, spec.annotations),
    socketDir,
  );
  const path = socketPath(address);
  const answer = startAnswer(address, input.bootstrap);

  if (input.bootstrap && input.socketDir) {
    rmSync(join(bundle, 's'), { force: true });
    symlinkSync(input.socketDir, join(bundle, 's'));
  }
  mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  const listenerFd = await listenOrReuse(path);
  if (listenerFd === undefined) {
    writeAddressFile(bundle, address);
    return { reused: true, answer };
  }
  const release = (): void => {
    closeQuietly(listenerFd);
    rmSync(path, { force: true });
  };
  try {
    chmodSync(path, 0o600);
    writeAddressFile(bundle, address);
  } catch (err) {
    release();
    throw err;
  }
  const env = Object.entries({ ...req.env, OTEL_SERVICE_NAME: `containerd-shim-${flags.id}` });
  const shimCgroup = shimCgroupOf(input.options);
  return {
    reused: false,
    answer,
    listenerFd,
    daemonEnv: Object.fromEntries(env.filter((e): e is [string, string] => e[1] !== undefined)),
    title: [req.env.TSSHIM_ARGV0 || scriptPath, ...daemonArgs(flags)].join(' '),
    place: (daemonPid) => {
      if (shimCgroup) moveProcessToCgroup(daemonPid, shimCgroup);
      setDaemonOomScore(daemonPid, req.containerdPid);
    },
    release,
  };
}

export interface StartOutcome {
  /** what containerd reads */
  answer: Uint8Array;
  /** a new sandbox got a daemon (a spare or a booted one), rather than joining a running shim */
  newSandbox: boolean;
}

/** The Node `start`: claims the sandbox, and gives it to this containerd's spare or to a daemon it boots. */
export async function startAction(flags: ShimFlags, scriptPath: string): Promise<StartOutcome> {
  const claim = await claimSandbox(
    {
      flags,
      bundle: process.cwd(),
      env: process.env,
      stdin: readStdin('start'),
      containerdPid: process.ppid,
    },
    scriptPath,
  );
  if (claim.reused) return { answer: claim.answer, newSandbox: false };
  let pid: number | undefined;
  try {
    pid = adoptedBySpare(flags, claim, scriptPath);
    if (pid === undefined) {
      const child: Daemon = spawnDaemon(
        process.execPath,
        [...daemonNodeFlags(), scriptPath, ...daemonArgs(flags)],
        { cwd: process.cwd(), env: claim.daemonEnv, extraFds: [claim.listenerFd] },
      );
      pid = child.pid;
    }
    claim.place(pid);
    return { answer: claim.answer, newSandbox: true };
  } catch (err) {
    if (pid !== undefined) killQuietly(pid);
    claim.release();
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

/** Hands the sandbox to this containerd's spare: the pid of the daemon that now serves it, or undefined. */
function adoptedBySpare(
  flags: ShimFlags,
  claim: Extract<SandboxClaim, { reused: false }>,
  scriptPath: string,
): number | undefined {
  if (!sparesEnabled(process.env) || !flags.address) return undefined;
  const handover = handoverOf(flags, process.cwd(), claim.daemonEnv, claim.title);
  return handOver(spareName(flags.address, buildIdentity(scriptPath)), handover, claim.listenerFd);
}

/** room in a spare's command line for the title it takes when it adopts a sandbox (Linux keeps a process title
 *  within the memory of its original arguments) */
const TITLE_ROOM = '-'.repeat(384);

/** The command line of a spare for this containerd (the first word is the node to run); the start client builds
 *  the same one (daemon_command in src/native/start-client.c). */
function spareCommand(containerdAddress: string, scriptPath: string): string[] {
  return [
    process.execPath,
    ...daemonNodeFlags(),
    scriptPath,
    '-address',
    containerdAddress,
    'spare',
    TITLE_ROOM,
  ];
}

/** After `start` has answered: boot the spare the next `start` will hand its sandbox to, if nobody holds the spare
 *  lock (a spare running or booting). */
export function startNextSpare(flags: ShimFlags, scriptPath: string): void {
  if (!sparesEnabled(process.env) || !flags.address) return;
  let lockFd: number;
  try {
    lockFd = native().seqpacketListen(spareLockName(spareName(flags.address, buildIdentity(scriptPath))));
  } catch {
    return; // the lock is held: a spare runs or is booting
  }
  const [node, ...args] = spareCommand(flags.address, scriptPath);
  try {
    spawnDaemon(node!, args, {
      cwd: '/',
      env: { ...process.env, TSSHIM_SPARE_LOCK_FD: '3' },
      extraFds: [lockFd],
    });
  } catch {
    // the container started all the same; the next start boots a daemon
  } finally {
    closeQuietly(lockFd);
  }
}
