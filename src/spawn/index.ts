// The only place that starts processes. Every child is marked owned in the native reaper synchronously after
// the spawn and unmarked once libuv has reaped it, so the reaper never steals a libuv child (libuv would wait
// forever: /work/shared/reference/peers-and-node.md §3.1).
import { constants } from 'node:os';
import { execa, type Options, type ResultPromise } from 'execa';
import { native } from '../native/index.ts';
import { startError } from './look-path.ts';

export { lookPath } from './look-path.ts';

type StdioTarget = number | 'ignore';

export interface RunOptions {
  cwd?: string;
  /** the child's whole environment when given (not merged); default: process.env */
  env?: Record<string, string | undefined>;
  /** written to the child's stdin, which is then closed; without it (and without stdio.stdin) stdin is /dev/null */
  input?: string | Uint8Array;
  /** integer fds handed to the child as its stdin/stdout/stderr instead of pipes (e.g. real pipe2 ends) */
  stdio?: { stdin?: StdioTarget; stdout?: StdioTarget; stderr?: StdioTarget };
  /** fds that become 3, 4, 5... in the child */
  extraFds?: number[];
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RunResult {
  /** exit code, or 128 + signal number when the child was killed by a signal */
  exitCode: number;
  signal?: string;
  /** set when timeoutMs elapsed and the child was killed for it */
  timedOut?: true;
  /** '' when the stream was given as an fd or ignored */
  stdout: string;
  stderr: string;
}

export interface Spawned {
  pid: number;
  /** resolves when the child has exited and its captured output is complete */
  exited: Promise<RunResult>;
  kill(signal?: NodeJS.Signals | number): void;
}

type ChildStdio = 'pipe' | StdioTarget;

function stdioArray(opts: RunOptions): [ChildStdio, ChildStdio, ChildStdio, ...number[]] {
  const { stdin, stdout = 'pipe', stderr = 'pipe' } = opts.stdio ?? {};
  if (opts.input !== undefined && stdin !== undefined)
    throw new Error('spawn: input and stdio.stdin are exclusive');
  return [opts.input !== undefined ? 'pipe' : (stdin ?? 'ignore'), stdout, stderr, ...(opts.extraFds ?? [])];
}

function childEnv(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

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

function pathVar(opts: RunOptions): string | undefined {
  return opts.env ? opts.env.PATH : process.env.PATH;
}

async function failedStart(child: ResultPromise, file: string, opts: RunOptions): Promise<never> {
  const result: { code?: unknown } = await child;
  throw startError(file, pathVar(opts), typeof result.code === 'string' ? result.code : undefined);
}

/** Runs to completion. Resolves for any exit (never throws for a non-zero exit or a signal); rejects only when
 *  the program cannot be started, with an Error naming the program. */
export async function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const child = start(file, args, opts, false);
  if (own(child) === undefined) return failedStart(child, file, opts);
  return toRunResult(await child);
}

/** Long-running child. detached = own session and process group, and the parent does not wait for it (unref). */
export function spawn(
  file: string,
  args: readonly string[],
  opts: RunOptions & { detached?: boolean } = {},
): Spawned {
  const detached = opts.detached === true;
  const child = start(file, args, opts, detached);
  const pid = own(child);
  if (pid === undefined) {
    // Node reports the cause only asynchronously; the message is decided from PATH now.
    void child.catch(() => undefined);
    throw startError(file, pathVar(opts));
  }
  if (detached) child.unref();
  return {
    pid,
    exited: child.then(toRunResult),
    kill: (signal) => {
      child.kill(signal);
    },
  };
}
