// The shims under test, one containerd 2.x daemon each: containerd's Go shim, tsshim as built, and tsshim
// with one lever changed (V8 flags, bundling) per extra daemon.
import { existsSync, lstatSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startContainerd, type Containerd, type ShimKind } from '../../test/helpers/containerd.ts';
import type { BuildName, Builds } from './builds.ts';
import { containerdPid, cpuacctAvailable, ShimCpu } from './cpuacct.ts';
import { DEFAULT_DAEMON_NODE_FLAGS } from '../../src/shim/boot/daemon-flags.ts';

export interface SubjectSpec {
  key: string;
  label: string;
  shim: ShimKind;
  /** the lever this variant changes, relative to `tsshim` */
  lever?: string;
  env?: Record<string, string>;
  /** which tsshim build runs (default: the copy of dist/ taken when the bench started) */
  build?: BuildName;
}

export interface Subject extends SubjectSpec {
  daemon: Containerd;
  image: string;
  /** the CPU of this containerd's shim processes (undefined without a cgroup v1 cpuacct hierarchy) */
  cpu: ShimCpu | undefined;
}

export const goSubject: SubjectSpec = { key: 'go', label: 'Go shim (containerd 2.x)', shim: 'go' };
export const tsshimSubject: SubjectSpec = { key: 'tsshim', label: 'tsshim', shim: 'tsshim' };

/** the shim's default daemon flags (src/shim/boot/daemon-flags.json) without some of them, as an env value */
function without(defaults: readonly string[], ...dropped: string[]): string {
  return defaults.filter((f) => !dropped.includes(f)).join(' ');
}

export const leverSubjects: SubjectSpec[] = [
  {
    key: 'jit',
    label: 'tsshim with the JIT',
    shim: 'tsshim',
    lever: "V8's compilers on in the daemon (no --jitless)",
    env: { TSSHIM_DAEMON_NODE_FLAGS: without(DEFAULT_DAEMON_NODE_FLAGS, '--jitless') },
  },
  {
    key: 'noreduce',
    label: 'tsshim without the idle memory reduction',
    shim: 'tsshim',
    lever: 'no memory reduction, idle or busy (TSSHIM_IDLE_REDUCE=0)',
    env: { TSSHIM_IDLE_REDUCE: '0' },
  },
  {
    key: 'pool',
    label: "tsshim with V8's default worker threads",
    shim: 'tsshim',
    lever: 'V8 worker threads for GC, one per core but one (no --v8-pool-size=1)',
    env: { TSSHIM_DAEMON_NODE_FLAGS: without(DEFAULT_DAEMON_NODE_FLAGS, '--v8-pool-size=1') },
  },
  {
    key: 'nocache',
    label: 'tsshim without V8 code caches',
    shim: 'tsshim',
    lever: 'bundles compiled at each start (TSSHIM_CODE_CACHE=0)',
    env: { TSSHIM_CODE_CACHE: '0' },
  },
  {
    key: 'execa',
    label: 'tsshim, runc through execa',
    shim: 'tsshim',
    lever: 'runc started through execa instead of node:child_process',
    env: { TSSHIM_RUNNER: 'execa' },
  },
  {
    key: 'nopino',
    label: 'tsshim, logger without pino',
    shim: 'tsshim',
    lever: 'the log written by a stand-in of ~40 lines instead of pino (same lines)',
    build: 'no-pino',
  },
  {
    key: 'nospare',
    label: 'tsshim without the spare',
    shim: 'tsshim',
    lever: 'no pre-booted spare: start boots each daemon (TSSHIM_SPARE=0)',
    env: { TSSHIM_SPARE: '0' },
  },
  {
    key: 'nostartclient',
    label: 'tsshim without the start client',
    shim: 'tsshim',
    lever: 'start boots Node and hands the sandbox to the spare (TSSHIM_START_CLIENT=0)',
    env: { TSSHIM_START_CLIENT: '0' },
  },
  {
    key: 'norecord',
    label: 'tsshim without the delete record',
    shim: 'tsshim',
    lever: 'delete boots Node every time (TSSHIM_DELETE_RECORD=0)',
    env: { TSSHIM_DELETE_RECORD: '0' },
  },
  {
    key: 'nobusyreduce',
    label: 'tsshim reducing memory only when idle',
    shim: 'tsshim',
    lever: 'no memory reduction while busy, only once idle (TSSHIM_BUSY_REDUCE=0)',
    env: { TSSHIM_BUSY_REDUCE: '0' },
  },
  {
    key: 'busy4',
    label: 'tsshim reducing memory while busy every 4 MiB',
    shim: 'tsshim',
    lever: 'the busy reduction after 4 MiB of heap growth instead of 1.5 (TSSHIM_BUSY_REDUCE_MIB=4)',
    env: { TSSHIM_BUSY_REDUCE_MIB: '4' },
  },
  {
    key: 'semispace',
    label: 'tsshim with a 1 MiB semi-space',
    shim: 'tsshim',
    lever: "young generation capped: --max-semi-space-size=1 on the daemon's command line",
    env: { TSSHIM_DAEMON_NODE_FLAGS: [...DEFAULT_DAEMON_NODE_FLAGS, '--max-semi-space-size=1'].join(' ') },
  },
  {
    key: 'nosplit',
    label: 'tsshim one file, no code splitting',
    shim: 'tsshim',
    lever: 'start loads the daemon code too (no code splitting)',
    build: 'onefile',
  },
  {
    key: 'extdeps',
    label: 'tsshim, dependencies not bundled',
    shim: 'tsshim',
    lever: 'npm dependencies loaded from node_modules (not bundled)',
    build: 'external-deps',
  },
];

/** The harness links containerd-shim-runc-v2 in <base>/bin (first in the daemon's PATH) to tsshim; the
 *  bench points that link at its own copy of the build. containerd resolves the shim when it starts one, so this takes effect
 *  for every container. */
function pointShimAt(daemon: Containerd, binary: string): void {
  const link = join(dirname(daemon.root), 'bin', 'containerd-shim-runc-v2');
  if (!existsSync(link) || !lstatSync(link).isSymbolicLink()) {
    throw new Error(`${link}: not the harness's shim link (test/helpers/containerd.ts changed its layout?)`);
  }
  unlinkSync(link);
  symlinkSync(binary, link);
}

export async function startSubject(spec: SubjectSpec, builds: Builds): Promise<Subject> {
  const daemon = await startContainerd('2', { shim: spec.shim, env: spec.env, logLevel: 'warn' });
  let cpu: ShimCpu | undefined;
  try {
    if (spec.shim === 'tsshim') pointShimAt(daemon, builds.binary(spec.build ?? 'as-built'));
    // before any shim starts, so that every one of them is in the group
    if (cpuacctAvailable()) {
      const config = join(dirname(daemon.root), 'config.toml');
      cpu = ShimCpu.attach(`tsshimbench-${process.pid}-${spec.key}`, containerdPid(config));
    }
    const image = await daemon.importImage();
    const group = cpu?.group;
    // the group goes with the daemon, whoever stops it
    const stop = async (): Promise<void> => {
      await daemon.stop();
      group?.remove();
    };
    return { ...spec, daemon: { ...daemon, stop }, image, cpu };
  } catch (err) {
    await daemon.stop();
    cpu?.group.remove();
    throw err;
  }
}
