// The OCI runtime-spec shape of linux.seccomp (what runc reads) and the profile file shape (what people write),
// which adds per-rule includes/excludes and a per-architecture map to the OCI fields.

export type SeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG'
  | 'SCMP_ACT_NOTIFY';

export type SeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

export interface SyscallArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}

export interface OciSyscallRule {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SyscallArg[];
}

export interface LinuxSeccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: OciSyscallRule[];
}

/** Conditions on the target: capabilities of the bounding set, Go architecture names, `major.minor` kernel. */
export interface RuleCondition {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

export interface ProfileRule extends OciSyscallRule {
  comment?: string;
  includes?: RuleCondition;
  excludes?: RuleCondition;
}

export interface ArchEntry {
  native: string;
  compat: string[];
}

export interface SeccompProfile {
  comment?: string;
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: Record<string, ArchEntry>;
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: ProfileRule[];
}
