// Pure argv builders, one per runc command, in the order go-runc (and so the Go shim) passes the flags.
import type {
  CheckpointOpts,
  CreateOpts,
  CriuOpts,
  DeleteOpts,
  KillOpts,
  RestoreOpts,
  RuncOptions,
} from './types.ts';

export function globalArgs(o: RuncOptions): string[] {
  const out: string[] = [];
  if (o.root) out.push('--root', o.root);
  if (o.log) out.push('--log', o.log);
  if (o.logFormat) out.push('--log-format', o.logFormat);
  if (o.systemdCgroup) out.push('--systemd-cgroup');
  if (o.criu) out.push('--criu', o.criu);
  return out;
}

export function createArgs(id: string, o: CreateOpts): string[] {
  const out = ['create', '--bundle', o.bundle, '--pid-file', o.pidFile];
  if (o.consoleSocket) out.push('--console-socket', o.consoleSocket);
  if (o.noPivot) out.push('--no-pivot');
  if (o.noNewKeyring) out.push('--no-new-keyring');
  if (o.extraFds && o.extraFds.length > 0) out.push('--preserve-fds', String(o.extraFds.length));
  out.push(id);
  return out;
}

export function startArgs(id: string): string[] {
  return ['start', id];
}

export function execArgs(
  id: string,
  processFile: string,
  o: { pidFile: string; consoleSocket?: string; detach?: boolean },
): string[] {
  const out = ['exec', '--process', processFile];
  if (o.consoleSocket) out.push('--console-socket', o.consoleSocket);
  if (o.detach ?? true) out.push('--detach');
  out.push('--pid-file', o.pidFile, id);
  return out;
}

export function killArgs(id: string, signal: number, o: KillOpts = {}): string[] {
  if (!Number.isInteger(signal) || signal < 0) throw new RangeError(`invalid signal number ${signal}`);
  const out = ['kill'];
  if (o.all) out.push('--all');
  out.push(id, String(signal));
  return out;
}

export function deleteArgs(id: string, o: DeleteOpts = {}): string[] {
  return o.force ? ['delete', '--force', id] : ['delete', id];
}

export function pauseArgs(id: string): string[] {
  return ['pause', id];
}

export function resumeArgs(id: string): string[] {
  return ['resume', id];
}

/** The resources JSON goes to stdin. */
export function updateArgs(id: string): string[] {
  return ['update', '--resources=-', id];
}

export function psArgs(id: string): string[] {
  return ['ps', '--format', 'json', id];
}

export function stateArgs(id: string): string[] {
  return ['state', id];
}

function criuArgs(o: CriuOpts): string[] {
  const out = ['--image-path', o.imagePath];
  if (o.workPath) out.push('--work-path', o.workPath);
  if (o.parentPath) out.push('--parent-path', o.parentPath);
  if (o.tcpEstablished) out.push('--tcp-established');
  if (o.extUnixSockets) out.push('--ext-unix-sk');
  if (o.shellJob) out.push('--shell-job');
  if (o.fileLocks) out.push('--file-locks');
  for (const ns of o.emptyNamespaces ?? []) out.push('--empty-ns', ns);
  return out;
}

export function checkpointArgs(id: string, o: CheckpointOpts): string[] {
  const out = ['checkpoint', ...criuArgs(o)];
  if (o.leaveRunning) out.push('--leave-running');
  out.push(id);
  return out;
}

export function restoreArgs(id: string, o: RestoreOpts): string[] {
  const out = ['restore', ...criuArgs(o)];
  if (o.detach ?? true) out.push('--detach');
  out.push('--pid-file', o.pidFile);
  if (o.consoleSocket) out.push('--console-socket', o.consoleSocket);
  if (o.noPivot) out.push('--no-pivot');
  // runc's urfave/cli accepts the single dash; the Go shim passes exactly this spelling.
  if (o.noSubreaper ?? true) out.push('-no-subreaper');
  out.push('--bundle', o.bundle, id);
  return out;
}

export function featuresArgs(): string[] {
  return ['features'];
}
