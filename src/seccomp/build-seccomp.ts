import type { GoArch } from './arch.ts';
import { kernelAtLeast, parseKernelVersion, type KernelVersion } from './kernel.ts';
import type {
  LinuxSeccomp,
  OciSyscallRule,
  ProfileRule,
  RuleCondition,
  SeccompProfile,
  SyscallArg,
} from './types.ts';

export interface SeccompTarget {
  arch: GoArch;
  /** The container's bounding capability set: the only part of the spec the profile depends on. */
  capabilities: readonly string[];
  /** null when the kernel version is unknown: minKernel includes then fail and minKernel excludes do not apply. */
  kernel: KernelVersion | null;
}

function minKernelReached(minKernel: string, kernel: KernelVersion | null): boolean {
  const wanted = parseKernelVersion(minKernel);
  return kernel !== null && wanted !== null && kernelAtLeast(kernel, wanted);
}

function includesHold(includes: RuleCondition | undefined, target: SeccompTarget): boolean {
  if (!includes) return true;
  if (includes.arches && !includes.arches.includes(target.arch)) return false;
  if (includes.caps && !includes.caps.every((cap) => target.capabilities.includes(cap))) return false;
  if (includes.minKernel !== undefined && !minKernelReached(includes.minKernel, target.kernel)) return false;
  return true;
}

function excludesHit(excludes: RuleCondition | undefined, target: SeccompTarget): boolean {
  if (!excludes) return false;
  if (excludes.arches?.includes(target.arch)) return true;
  if (excludes.caps?.some((cap) => target.capabilities.includes(cap))) return true;
  return excludes.minKernel !== undefined && minKernelReached(excludes.minKernel, target.kernel);
}

function toOciArg(arg: SyscallArg): SyscallArg {
  // Go's omitempty drops a zero valueTwo; keep the same shape so specs compare byte for byte.
  return arg.valueTwo
    ? { index: arg.index, value: arg.value, valueTwo: arg.valueTwo, op: arg.op }
    : { index: arg.index, value: arg.value, op: arg.op };
}

function toOciRule(rule: ProfileRule): OciSyscallRule {
  const out: OciSyscallRule = { names: [...rule.names], action: rule.action };
  if (rule.errnoRet !== undefined) out.errnoRet = rule.errnoRet;
  if (rule.args && rule.args.length > 0) out.args = rule.args.map(toOciArg);
  return out;
}

function architecturesFor(profile: SeccompProfile, arch: GoArch): string[] | undefined {
  if (profile.architectures) return [...profile.architectures];
  const entry = profile.archMap?.[arch];
  return entry ? [entry.native, ...entry.compat] : undefined;
}

/** The OCI linux.seccomp for one target: rules whose conditions hold, in file order, stripped to OCI fields. */
export function buildSeccomp(profile: SeccompProfile, target: SeccompTarget): LinuxSeccomp {
  const out: LinuxSeccomp = { defaultAction: profile.defaultAction };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;
  const architectures = architecturesFor(profile, target.arch);
  if (architectures && architectures.length > 0) out.architectures = architectures;
  if (profile.flags && profile.flags.length > 0) out.flags = [...profile.flags];
  if (profile.listenerPath) out.listenerPath = profile.listenerPath;
  if (profile.listenerMetadata) out.listenerMetadata = profile.listenerMetadata;
  out.syscalls = (profile.syscalls ?? [])
    .filter((rule) => includesHold(rule.includes, target) && !excludesHit(rule.excludes, target))
    .map(toOciRule);
  return out;
}
