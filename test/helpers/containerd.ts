// A real containerd daemon per test: private root, state, sockets and namespace, with containerd-shim-runc-v2
// resolved to tsshim (or to the Go shim of the same containerd release, for comparisons).
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import {
  boundSocketPaths,
  containerCgroups,
  ctrFifoDirs,
  leftovers,
  mountsUnder,
  namespaceCgroups,
  openPaths,
  runcRootDir,
  settledLeftovers,
  shimSockets,
  type LeftoverScope,
  type Leftovers,
} from './cleanup.ts';
import { imageRef, imageTar } from './image.ts';
import { cacheDir, repoRoot } from './rootfs.ts';

export type ContainerdVersion = '1.6' | '1.7' | '2';
export type ShimKind = 'tsshim' | 'go';

export const containerdVersions: readonly ContainerdVersion[] = ['1.6', '1.7', '2'];

export interface ContainerdBinaries {
  containerd: string;
  ctr: string;
  /** the Go containerd-shim-runc-v2 released with this containerd */
  goShim: string;
}

export const tsshimBinary = join(repoRoot, 'bin', 'containerd-shim-tsshim-v2');
const tsshimBundle = join(repoRoot, 'dist', 'shim', 'main.cjs');

export function containerdBinaries(version: ContainerdVersion): ContainerdBinaries {
  // 1.6 is Debian 12's own package; 1.7 (trixie) and 2.x (sid) are unpacked by scripts/fetch-containerd.sh.
  const bin = version === '1.6' ? '/usr/bin' : join(cacheDir, 'containerd', version, 'usr', 'bin');
  return {
    containerd: join(bin, 'containerd'),
    ctr: join(bin, 'ctr'),
    goShim: join(bin, 'containerd-shim-runc-v2'),
  };
}

/** Binaries of this version that are not installed (empty when it can run). */
export function missingBinaries(version: ContainerdVersion): string[] {
  return Object.values(containerdBinaries(version)).filter((path) => !existsSync(path));
}

/** For `test(name, { skip: skipReason(v) }, ...)`: a reason to skip when the binaries are absent, except in CI,
 *  where absent binaries must fail the run rather than quietly shrink it. */
export function skipReason(version: ContainerdVersion): string | false {
  const missing = missingBinaries(version);
  if (missing.length === 0 || process.env.CI === 'true') return false;
  return `containerd ${version} is not installed (missing ${missing.join(', ')}): run scripts/install-deps.sh`;
}

export interface StartOptions {
  shim?: ShimKind;
  /** containerd namespace; default: a fresh one per daemon, so cgroups and runc state are the test's own */
  namespace?: string;
  /** extra environment for the daemon (and so for the shims it starts) */
  env?: Record<string, string>;
  logLevel?: 'debug' | 'info' | 'warn';
}

export interface CtrResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface CtrOptions {
  input?: string | Buffer;
  timeoutMs?: number;
}

export type CtrProcess = ChildProcessByStdio<Writable, Readable, Readable>;

export interface Containerd {
  readonly version: ContainerdVersion;
  readonly shim: ShimKind;
  readonly address: string;
  readonly ttrpcAddress: string;
  readonly namespace: string;
  readonly root: string;
  readonly state: string;
  readonly logPath: string;
  readonly binaries: ContainerdBinaries;
  /** what this daemon owns, for leftovers(); the daemon process itself is excluded */
  scope(): LeftoverScope;
  /** `ctr --address <sock> --namespace <ns> ...args`, run to completion */
  ctr(args: string[], opts?: CtrOptions): Promise<CtrResult>;
  /** the same, left running with piped stdio (e.g. `events`); the caller kills it */
  ctrSpawn(args: string[]): CtrProcess;
  /** imports the busybox test image (named `imageRef`) once */
  importImage(): Promise<string>;
  /** graceful stop and start again with the same dirs; shims keep running meanwhile */
  restart(): Promise<void>;
  /** leftovers of this daemon's work (not counting the daemon), once they stop changing or after timeoutMs */
  leftovers(timeoutMs?: number): Promise<Leftovers>;
  /** the daemon's log so far */
  log(): string;
  /** kills the daemon and whatever it started, unmounts, removes sockets, cgroups and temp dirs */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

const disabledPlugins: Record<'v2' | 'v3', string[]> = {
  v2: [
    'io.containerd.grpc.v1.cri',
    'io.containerd.internal.v1.opt',
    'io.containerd.internal.v1.tracing',
    'io.containerd.tracing.processor.v1.otlp',
    'io.containerd.snapshotter.v1.aufs',
    'io.containerd.snapshotter.v1.btrfs',
    'io.containerd.snapshotter.v1.devmapper',
    'io.containerd.snapshotter.v1.zfs',
    'io.containerd.snapshotter.v1.blockfile',
    'io.containerd.nri.v1.nri',
  ],
  v3: [
    'io.containerd.grpc.v1.cri',
    'io.containerd.cri.v1.images',
    'io.containerd.cri.v1.runtime',
    'io.containerd.podsandbox.controller.v1.podsandbox',
    'io.containerd.internal.v1.opt',
    'io.containerd.tracing.processor.v1.otlp',
    'io.containerd.internal.v1.tracing',
    'io.containerd.snapshotter.v1.btrfs',
    'io.containerd.snapshotter.v1.devmapper',
    'io.containerd.snapshotter.v1.zfs',
    'io.containerd.snapshotter.v1.blockfile',
    'io.containerd.snapshotter.v1.erofs',
    'io.containerd.differ.v1.erofs',
    'io.containerd.nri.v1.nri',
  ],
};

function configToml(
  version: ContainerdVersion,
  dirs: { root: string; state: string; address: string },
  level: string,
): string {
  const schema = version === '2' ? 'v3' : 'v2';
  const list = disabledPlugins[schema].map((p) => JSON.stringify(p)).join(', ');
  return [
    `version = ${schema === 'v3' ? 3 : 2}`,
    `root = ${JSON.stringify(dirs.root)}`,
    `state = ${JSON.stringify(dirs.state)}`,
    `disabled_plugins = [${list}]`,
    '',
    '[grpc]',
    // containerd derives its ttrpc socket as <address>.ttrpc
    `  address = ${JSON.stringify(dirs.address)}`,
    '',
    '[debug]',
    `  level = ${JSON.stringify(level)}`,
    '',
  ].join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function runCommand(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: CtrOptions,
): Promise<CtrResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (b: Buffer) => stdout.push(b));
    child.stderr.on('data', (b: Buffer) => stderr.push(b));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
      });
    });
    // ctr may exit before reading its input (e.g. on an error): a broken pipe there is not our failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

async function unmountAll(dirs: string[]): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const mounts = mountsUnder(dirs);
    if (mounts.length === 0) return;
    for (const mount of mounts) {
      const plain = await runCommand('umount', [mount], process.env, { timeoutMs: 10_000 });
      if (plain.code !== 0) await runCommand('umount', ['-l', mount], process.env, { timeoutMs: 10_000 });
    }
  }
}

/** Starts a containerd daemon of the given version and waits until it answers `ctr version`. */
export async function startContainerd(
  version: ContainerdVersion,
  opts: StartOptions = {},
): Promise<Containerd> {
  const binaries = containerdBinaries(version);
  const missing = missingBinaries(version);
  if (missing.length > 0) {
    throw new Error(`containerd ${version}: missing ${missing.join(', ')} (run scripts/install-deps.sh)`);
  }
  const shim = opts.shim ?? 'tsshim';
  if (shim === 'tsshim' && !existsSync(tsshimBundle)) {
    throw new Error(`${tsshimBundle} is missing: run npm run build first`);
  }

  const base = mkdtempSync(join(tmpdir(), 'tsshim-ctd-'));
  const root = join(base, 'root');
  const state = join(base, 'state');
  const shimBin = join(base, 'bin');
  const address = join(base, 'containerd.sock');
  const logPath = join(base, 'containerd.log');
  const configPath = join(base, 'config.toml');
  const namespace = opts.namespace ?? `tsshim-${randomBytes(4).toString('hex')}`;
  const socketsBefore = shimSockets();
  const fifoDirsBefore = ctrFifoDirs();
  for (const dir of [root, state, shimBin]) mkdirSync(dir, { recursive: true });
  symlinkSync(shim === 'tsshim' ? tsshimBinary : binaries.goShim, join(shimBin, 'containerd-shim-runc-v2'));
  writeFileSync(configPath, configToml(version, { root, state, address }, opts.logLevel ?? 'debug'));

  // containerd looks the shim up in PATH (before its own directory): ours comes first.
  const daemonEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.env,
    PATH: [shimBin, process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'].join(
      ':',
    ),
  };
  const ctrEnv: NodeJS.ProcessEnv = { ...process.env };
  const ctrBase = ['--address', address, '--namespace', namespace];

  let daemon: ChildProcess | undefined;
  let imported = false;

  const log = (): string => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };

  const ctr = (args: string[], ctrOpts: CtrOptions = {}): Promise<CtrResult> =>
    runCommand(binaries.ctr, [...ctrBase, ...args], ctrEnv, ctrOpts);

  async function launch(): Promise<void> {
    const logFd = openSync(logPath, 'a');
    const child = spawn(binaries.containerd, ['--config', configPath], {
      env: daemonEnv,
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    daemon = child;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let exitedEarly = false;
    void exited.then(() => {
      exitedEarly = true;
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (exitedEarly) {
        throw new Error(`containerd ${version} exited during start-up (${child.exitCode}); log:\n${log()}`);
      }
      if (existsSync(address)) {
        const res = await ctr(['version'], { timeoutMs: 5_000 });
        if (res.code === 0) return;
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`containerd ${version} did not answer within ${READY_TIMEOUT_MS} ms; log:\n${log()}`);
      }
      await sleep(50);
    }
  }

  async function stopDaemon(): Promise<void> {
    const child = daemon;
    daemon = undefined;
    if (!child) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
      child.kill('SIGKILL');
      await waitForExit(child, STOP_TIMEOUT_MS);
    }
  }

  const scope = (): LeftoverScope => ({
    dirs: [base],
    namespace,
    socketsBefore,
    ignorePids: daemon?.pid !== undefined ? [daemon.pid] : [],
  });

  async function killScopeProcesses(): Promise<void> {
    // Killed processes linger as zombies until their parent (often pid 1, for a daemonized shim and its
    // orphaned containers) reaps them: wait for that too, so stop() returns with nothing left.
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    for (;;) {
      const remaining = leftovers({ dirs: [base], namespace });
      const all = [...remaining.processes, ...remaining.zombies];
      if (all.length === 0 || Date.now() > deadline) return;
      for (const p of all) {
        if (!processAlive(p.pid)) continue;
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await sleep(50);
    }
  }

  function removeOwnSockets(): void {
    // A shim socket that appeared while this daemon ran and nobody listens on any more is ours to remove
    // (another test's live shim still has its socket bound).
    const bound = boundSocketPaths();
    for (const socket of shimSockets()) {
      if (socketsBefore.has(socket) || bound.has(socket)) continue;
      try {
        unlinkSync(socket);
      } catch {
        // raced with its owner
      }
    }
  }

  /** ctr names its FIFOs <id>-stdin/-stdout/-stderr; a dir is ours only if every FIFO in it belongs to one of
   *  this daemon's containers (other daemons may be running ctr at the same moment). */
  function removeOwnFifoDirs(ids: ReadonlySet<string>): void {
    const open = openPaths();
    for (const dir of ctrFifoDirs()) {
      if (fifoDirsBefore.has(dir) || [...open].some((p) => p.startsWith(`${dir}/`))) continue;
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      const ours = names.every((n) => ids.has(n.replace(/-(stdin|stdout|stderr)$/, '')));
      if (ours) rmSync(dir, { recursive: true, force: true });
    }
  }

  function removeCgroupsAndRuncState(): void {
    for (const dir of [...containerCgroups(namespace), ...namespaceCgroups(namespace)]) {
      try {
        rmdirSync(dir);
      } catch {
        // still has processes: reported by leftovers()
      }
    }
    rmSync(join(runcRootDir, namespace), { recursive: true, force: true });
  }

  try {
    await launch();
  } catch (err) {
    await stopDaemon();
    rmSync(base, { recursive: true, force: true });
    throw err;
  }

  return {
    version,
    shim,
    address,
    ttrpcAddress: `${address}.ttrpc`,
    namespace,
    root,
    state,
    logPath,
    binaries,
    scope,
    ctr,
    ctrSpawn(args: string[]): CtrProcess {
      return spawn(binaries.ctr, [...ctrBase, ...args], { env: ctrEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    },
    async importImage(): Promise<string> {
      if (!imported) {
        const res = await ctr(['images', 'import', await imageTar()], { timeoutMs: 120_000 });
        if (res.code !== 0) throw new Error(`ctr images import failed (${res.code}): ${res.stderr}`);
        imported = true;
      }
      return imageRef;
    },
    async restart(): Promise<void> {
      await stopDaemon();
      await launch();
    },
    leftovers(timeoutMs?: number): Promise<Leftovers> {
      return settledLeftovers(scope(), timeoutMs);
    },
    log,
    async stop(): Promise<void> {
      const containers = await ctr(['containers', 'list', '--quiet']).catch(() => undefined);
      const ids = new Set((containers?.stdout ?? '').split('\n').filter(Boolean));
      await stopDaemon();
      await killScopeProcesses();
      await unmountAll([base]);
      removeOwnSockets();
      removeOwnFifoDirs(ids);
      removeCgroupsAndRuncState();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Runs fn against a fresh daemon; prints the daemon's log when fn fails, and always stops the daemon. */
export async function withContainerd<T>(
  version: ContainerdVersion,
  opts: StartOptions,
  fn: (daemon: Containerd) => Promise<T>,
): Promise<T> {
  const daemon = await startContainerd(version, opts);
  try {
    return await fn(daemon);
  } catch (err) {
    process.stderr.write(
      `--- containerd ${version} log (${daemon.logPath}) ---\n${daemon.log()}\n--- end of log ---\n`,
    );
    throw err;
  } finally {
    await daemon.stop();
  }
}
