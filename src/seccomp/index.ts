export { GO_ARCHES, hostGoArch, isGoArch, type GoArch } from './arch.ts';
export { buildSeccomp, type SeccompTarget } from './build-seccomp.ts';
export { defaultProfile } from './default-profile.ts';
export { hostKernelVersion, parseKernelVersion, type KernelVersion } from './kernel.ts';
export {
  checkProfile,
  checkProfileFile,
  loadProfileFile,
  parseProfile,
  type ProfileCheck,
} from './load-profile.ts';
export type { LinuxSeccomp, OciSyscallRule, ProfileRule, SeccompProfile } from './types.ts';
export { DocumentValidationError, formatIssue, type ValidationIssue } from '../validation/document-error.ts';
