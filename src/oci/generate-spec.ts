import { hostGoArch, type GoArch } from '../seccomp/arch.ts';
import { buildSeccomp } from '../seccomp/build-seccomp.ts';
import { defaultProfile } from '../seccomp/default-profile.ts';
import { hostKernelVersion, kernelAtLeast, type KernelVersion } from '../seccomp/kernel.ts';
import type { SeccompProfile } from '../seccomp/types.ts';
import { normalizeCapability, withAdded } from './capabilities.ts';
import { defaultSpec } from './default-spec.ts';
import { supportsRecursiveReadOnly, type RuntimeFeatures } from './runtime-features.ts';
import type { IdMapping, Mount, Spec } from './types.ts';
import { assertValidSpec } from './validate-spec.ts';

/** containerd's default PATH (WithDefaultPathEnv); the bare default spec has no env at all. */
export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export type SeccompChoice =
  { kind: 'default' } | { kind: 'unconfined' } | { kind: 'profile'; profile: SeccompProfile };

export interface BindMount {
  source: string;
  destination: string;
  /** 'rro' makes the whole tree below the mount read-only (needs runtime support and Linux >= 5.12). */
  access: 'rw' | 'ro' | 'rro';
}

export interface SpecOptions {
  args?: string[];
  env?: string[];
  cwd?: string;
  tty?: boolean;
  /** root.path; relative paths are relative to the bundle. */
  rootfs?: string;
  hostname?: string;
  /** Defaults to `/default/<id>` like containerd; null leaves cgroupsPath out (the runtime picks one). */
  cgroupsPath?: string | null;
  id?: string;
  seccomp?: SeccompChoice;
  capAdd?: string[];
  userNamespace?: { uidMappings: IdMapping[]; gidMappings: IdMapping[] };
  bindMounts?: BindMount[];
  /** The runtime's `features` output; required for rro mounts. */
  runtimeFeatures?: RuntimeFeatures;
  arch?: GoArch;
  kernel?: KernelVersion | null;
}

const RRO_MIN_KERNEL: KernelVersion = { major: 5, minor: 12 };

function bindMount(mount: BindMount, options: SpecOptions, kernel: KernelVersion | null): Mount {
  if (mount.access === 'rro') {
    if (!supportsRecursiveReadOnly(options.runtimeFeatures))
      throw new Error(
        `recursive read-only mount ${mount.destination}: the runtime does not support rro ` +
          '(its features do not list "rro" in mountOptions)',
      );
    if (kernel && !kernelAtLeast(kernel, RRO_MIN_KERNEL))
      throw new Error(
        `recursive read-only mount ${mount.destination}: needs Linux >= 5.12, this is ${kernel.major}.${kernel.minor}`,
      );
  }
  return {
    destination: mount.destination,
    type: 'bind',
    source: mount.source,
    options: ['rbind', 'rprivate', mount.access],
  };
}

function seccompProfileFor(choice: SeccompChoice): SeccompProfile | undefined {
  if (choice.kind === 'unconfined') return undefined;
  return choice.kind === 'default' ? defaultProfile() : choice.profile;
}

/** A containerd-like OCI spec (see default-spec.ts), adjusted by the options and checked against the schema. */
export function generateSpec(options: SpecOptions = {}): Spec {
  const kernel = options.kernel === undefined ? hostKernelVersion() : options.kernel;
  const id = options.id ?? 'tsshim';
  const spec = defaultSpec(
    options.cgroupsPath === null ? undefined : (options.cgroupsPath ?? `/default/${id}`),
  );

  const process = spec.process;
  process.args = options.args && options.args.length > 0 ? [...options.args] : ['sh'];
  process.env = options.env ? [...options.env] : [DEFAULT_PATH_ENV];
  if (options.cwd) process.cwd = options.cwd;
  if (options.tty) process.terminal = true;
  if (options.rootfs) spec.root.path = options.rootfs;
  if (options.hostname) spec.hostname = options.hostname;

  const added = (options.capAdd ?? []).map(normalizeCapability);
  const caps = process.capabilities ?? {};
  caps.bounding = withAdded(caps.bounding ?? [], added);
  caps.effective = withAdded(caps.effective ?? [], added);
  caps.permitted = withAdded(caps.permitted ?? [], added);
  process.capabilities = caps;

  if (options.userNamespace) {
    if (!spec.linux.namespaces.some((ns) => ns.type === 'user')) spec.linux.namespaces.push({ type: 'user' });
    spec.linux.uidMappings = options.userNamespace.uidMappings.map((m) => ({ ...m }));
    spec.linux.gidMappings = options.userNamespace.gidMappings.map((m) => ({ ...m }));
  }

  for (const mount of options.bindMounts ?? []) spec.mounts.push(bindMount(mount, options, kernel));

  // Built last, from the final bounding set: added capabilities unlock their syscalls (containerd does the same).
  const profile = seccompProfileFor(options.seccomp ?? { kind: 'default' });
  if (profile)
    spec.linux.seccomp = buildSeccomp(profile, {
      arch: options.arch ?? hostGoArch(),
      capabilities: caps.bounding,
      kernel,
    });

  assertValidSpec(spec);
  return spec;
}
