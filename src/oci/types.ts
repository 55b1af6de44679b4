// The subset of the OCI runtime-spec config.json that tsshim generates. Optional fields are left out of the
// JSON when unset, as containerd's Go types do with omitempty.
import type { LinuxSeccomp } from '../seccomp/types.ts';

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
}

export interface LinuxCapabilities {
  bounding?: string[];
  effective?: string[];
  permitted?: string[];
  inheritable?: string[];
  ambient?: string[];
}

export interface Rlimit {
  type: string;
  hard: number;
  soft: number;
}

export interface Process {
  terminal?: boolean;
  user: { uid: number; gid: number; additionalGids?: number[] };
  args?: string[];
  env?: string[];
  cwd: string;
  capabilities?: LinuxCapabilities;
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
}

export interface NamespaceReference {
  type: 'mount' | 'pid' | 'network' | 'uts' | 'ipc' | 'user' | 'cgroup' | 'time';
  path?: string;
}

export interface DeviceCgroup {
  allow: boolean;
  type?: string;
  major?: number;
  minor?: number;
  access?: string;
}

export interface Linux {
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
  resources?: { devices?: DeviceCgroup[] };
  cgroupsPath?: string;
  namespaces: NamespaceReference[];
  seccomp?: LinuxSeccomp;
  maskedPaths?: string[];
  readonlyPaths?: string[];
}

export interface Spec {
  ociVersion: string;
  process: Process;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: Mount[];
  linux: Linux;
}
