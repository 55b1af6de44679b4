// Types shared by the runc argv builders and the Runc client.
import type { Tracer } from '@opentelemetry/api';

import type { RunOptions, RunResult } from '../spawn/index.ts';

export interface RuncOptions {
  /** how the runtime is started; default: src/spawn's run (for the long-running shim) */
  runner?: (file: string, args: readonly string[], opts: RunOptions) => Promise<RunResult>;
  /** runc-compatible executable, looked up in PATH (default `runc`) */
  binary?: string;
  /** working directory of every invocation: the container's bundle, where runc users expect their runtime to
   *  start (wrappers read `config.json` or `init.pid` relative to it). Once it is gone, calls run in `/`.
   *  Default: the caller's. */
  cwd?: string;
  /** `--root`: directory holding the runtime's container state */
  root?: string;
  /** `--log`: file the runtime appends its log to; failures are explained from what a call appended */
  log?: string;
  /** `--log-format`; only passed when set */
  logFormat?: 'json' | 'text';
  systemdCgroup?: boolean;
  /** `--criu <path>` (containerd 1.6/1.7 only) */
  criu?: string;
  /** the runtime's environment; default process.env. NOTIFY_SOCKET is always removed. */
  env?: Record<string, string | undefined>;
  /** a span per invocation; default the global @opentelemetry/api tracer (a no-op unless tracing is set up) */
  tracer?: Tracer;
}

/** Real pipe fds handed to runc as its stdin/stdout/stderr; the container process inherits them. */
export interface IoFds {
  stdin?: number;
  stdout?: number;
  stderr?: number;
}

export interface CreateOpts {
  bundle: string;
  pidFile: string;
  consoleSocket?: string;
  noPivot?: boolean;
  noNewKeyring?: boolean;
  io?: IoFds;
  /** fds that become 3, 4, ... in the container (`--preserve-fds <count>`) */
  extraFds?: number[];
}

export interface ExecOpts {
  pidFile: string;
  consoleSocket?: string;
  /** default true: the shim always runs `exec --detach` */
  detach?: boolean;
  io?: IoFds;
  /** where the temporary process JSON is written; default $XDG_RUNTIME_DIR or os.tmpdir() */
  tmpDir?: string;
}

export interface KillOpts {
  all?: boolean;
}

export interface DeleteOpts {
  force?: boolean;
}

/** CRIU flags shared by checkpoint and restore (containerd.runc.v1.CheckpointOptions). */
export interface CriuOpts {
  imagePath: string;
  workPath?: string;
  parentPath?: string;
  tcpEstablished?: boolean;
  extUnixSockets?: boolean;
  shellJob?: boolean;
  fileLocks?: boolean;
  emptyNamespaces?: string[];
}

export interface CheckpointOpts extends CriuOpts {
  /** `--leave-running`; the shim sets it unless the checkpoint request asked the task to exit */
  leaveRunning?: boolean;
}

export interface RestoreOpts extends CriuOpts {
  bundle: string;
  pidFile: string;
  consoleSocket?: string;
  noPivot?: boolean;
  /** default true: the shim always restores detached */
  detach?: boolean;
  /** default true: the shim is the subreaper, runc must not become one (`-no-subreaper`) */
  noSubreaper?: boolean;
  io?: IoFds;
}

/** Output of `runc state <id>`. */
export interface RuncState {
  ociVersion: string;
  id: string;
  /** 0 once the init process is gone */
  pid: number;
  /** `creating`, `created`, `running`, `paused` or `stopped` */
  status: string;
  bundle: string;
  rootfs: string;
  created: string;
  owner?: string;
  annotations?: Record<string, string>;
}
