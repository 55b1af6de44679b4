// runc through execa, chosen with TSSHIM_RUNNER=execa (the default runner is node:child_process: child.ts).
// Every child is marked owned in the native reaper synchronously after the spawn and unmarked once libuv has
// reaped it, so the reaper never steals a libuv child.
import { constants } from 'node:os';
import { execa, type Options, type ResultPromise } from 'execa';
import { native } from '../native/index.ts';
import { startError } from './look-path.ts';
import { childEnv, pathVar, stdioArray, type RunOptions, type RunResult } from './types.ts';

function start(file: string, args: readonly string[], opts: RunOptions, detached: boolean): ResultPromise {
  return execa(file, args, {
    reject: false,
    // execa's typings allow only fds 0-9, but it hands any integer to child_process unchanged (tested)
    stdio: stdioArray(opts) as Options['stdio'],
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.env !== undefined ? { env: childEnv(opts.env), extendEnv: false } : {}),
    ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs } : {}),
    ...(opts.signal !== undefined ? { cancelSignal: opts.signal } : {}),
    stripFinalNewline: false,
    detached,
    cleanup: !detached,
  });
}

/** Marks the child owned until libuv reports its exit; returns its pid, or undefined when it did not start. */
function own(child: ResultPromise): number | undefined {
  const pid = child.pid;
  if (pid === undefined) return undefined;
  native().markOwned(pid);
  child.once('exit', () => native().unmarkOwned(pid));
  return pid;
}

function text(output: unknown): string {
  return typeof output === 'string' ? output : '';
}

interface Finished {
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  stdout: unknown;
  stderr: unknown;
}

function toRunResult(r: Finished): RunResult {
  const signalNumber = r.signal
    ? (constants.signals as Record<string, number | undefined>)[r.signal]
    : undefined;
  const result: RunResult = {
    exitCode: r.exitCode ?? 128 + (signalNumber ?? 0),
    stdout: text(r.stdout),
    stderr: text(r.stderr),
  };
  if (r.signal) result.signal = r.signal;
  if (r.timedOut) result.timedOut = true;
  return result;
}

async function failedStart(child: ResultPromise, file: string, opts: RunOptions): Promise<never> {
  const result: { code?: unknown } = await child;
  throw startError(file, pathVar(opts), typeof result.code === 'string' ? result.code : undefined);
}

/** Runs to completion. Resolves for any exit (never throws for a non-zero exit or a signal); rejects only when
 *  the program cannot be started, with an Error naming the program. */
export async function runExeca(
  file: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const child = start(file, args, opts, false);
  if (own(child) === undefined) return failedStart(child, file, opts);
  return toRunResult(await child);
}
