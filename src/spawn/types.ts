export type StdioTarget = number | 'ignore';

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

export type ChildStdio = 'pipe' | StdioTarget;

export function stdioArray(opts: RunOptions): [ChildStdio, ChildStdio, ChildStdio, ...number[]] {
  const { stdin, stdout = 'pipe', stderr = 'pipe' } = opts.stdio ?? {};
  if (opts.input !== undefined && stdin !== undefined)
    throw new Error('spawn: input and stdio.stdin are exclusive');
  return [opts.input !== undefined ? 'pipe' : (stdin ?? 'ignore'), stdout, stderr, ...(opts.extraFds ?? [])];
}

export function childEnv(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export function pathVar(opts: RunOptions): string | undefined {
  return opts.env ? opts.env.PATH : process.env.PATH;
}
