// Starting the long-running shim from `start`. It lives in its own module so that `start`, which containerd
// runs for every container, loads node:child_process only (execa alone costs more than the rest of `start`).
// `start` runs no reaper and exits at once, so there is no libuv child to protect here.
import { spawn as spawnChild } from 'node:child_process';
import { startError } from './look-path.ts';

export interface DaemonOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** fds that become 3, 4, ... in the daemon */
  extraFds: number[];
}

export interface Daemon {
  pid: number;
  kill(signal: NodeJS.Signals): void;
}

/** A child in its own session with /dev/null for stdio, not waited for: it outlives the caller. */
export function spawnDaemon(file: string, args: readonly string[], opts: DaemonOptions): Daemon {
  const child = spawnChild(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', ...opts.extraFds],
  });
  const pid = child.pid;
  if (pid === undefined) throw startError(file, opts.env.PATH ?? '');
  child.on('error', () => undefined);
  child.unref();
  return { pid, kill: (signal) => child.kill(signal) };
}
