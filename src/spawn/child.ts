// Children started with node:child_process directly. The default runner: loading execa alone costs the
// long-running shim more at boot than everything else it loads before its first runc call, and each execa
// call does more work than a runc invocation needs (see bench/README.md).
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { native } from '../native/index.ts';
import { startError } from './look-path.ts';
import { childEnv, pathVar, stdioArray, type RunOptions, type RunResult, type Spawned } from './types.ts';

function start(file: string, args: readonly string[], opts: RunOptions, detached: boolean): ChildProcess {
  return spawnChild(file, args, {
    cwd: opts.cwd,
    env: opts.env ? childEnv(opts.env) : process.env,
    stdio: stdioArray(opts),
    detached,
  });
}

/** Marks the child owned until libuv reports its exit; its pid, or undefined when it did not start. */
function own(child: ChildProcess): number | undefined {
  const pid = child.pid;
  if (pid === undefined) return undefined;
  native().markOwned(pid);
  child.once('exit', () => native().unmarkOwned(pid));
  return pid;
}

function collect(child: ChildProcess, opts: RunOptions): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (opts.input !== undefined) {
    child.stdin?.on('error', () => undefined); // a child that exits without reading its input
    child.stdin?.end(opts.input);
  }
  let timedOut = false;
  const timer =
    opts.timeoutMs !== undefined
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
        }, opts.timeoutMs)
      : undefined;
  const onAbort = (): void => void child.kill('SIGTERM');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      const signo = signal ? (constants.signals as Record<string, number | undefined>)[signal] : undefined;
      const result: RunResult = { exitCode: code ?? 128 + (signo ?? 0), stdout, stderr };
      if (signal) result.signal = signal;
      if (timedOut) result.timedOut = true;
      resolve(result);
    });
  });
}

function failedStart(child: ChildProcess, file: string, opts: RunOptions): Promise<never> {
  return new Promise((_resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => reject(startError(file, pathVar(opts), err.code)));
  });
}

export function runChild(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const child = start(file, args, opts, false);
  if (own(child) === undefined) return failedStart(child, file, opts);
  child.on('error', () => undefined);
  return collect(child, opts);
}

export function spawnChildProcess(
  file: string,
  args: readonly string[],
  opts: RunOptions & { detached?: boolean } = {},
): Spawned {
  const detached = opts.detached === true;
  const child = start(file, args, opts, detached);
  const pid = own(child);
  if (pid === undefined) {
    child.on('error', () => undefined);
    // Node reports the cause only asynchronously; the message is decided from PATH now.
    throw startError(file, pathVar(opts));
  }
  child.on('error', () => undefined);
  const exited = collect(child, opts);
  if (detached) child.unref();
  return { pid, exited, kill: (signal) => void child.kill(signal) };
}
