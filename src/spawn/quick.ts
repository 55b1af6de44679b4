// A light runner for the short-lived actions (`delete`, `-info`): node:child_process without execa, which
// alone costs more to load than the rest of those actions. They run no reaper, so libuv owns every child here.
import { spawn as spawnChild } from 'node:child_process';
import { constants } from 'node:os';
import type { RunOptions, RunResult } from './index.ts';
import { startError } from './look-path.ts';

type Target = number | 'ignore' | 'pipe';

export function runQuick(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const env = opts.env ?? process.env;
  const { stdin, stdout = 'pipe', stderr = 'pipe' } = opts.stdio ?? {};
  const stdio: Target[] = [opts.input !== undefined ? 'pipe' : (stdin ?? 'ignore'), stdout, stderr];
  return new Promise((resolve, reject) => {
    const child = spawnChild(file, args, {
      cwd: opts.cwd,
      env,
      stdio: [...stdio, ...(opts.extraFds ?? [])],
      timeout: opts.timeoutMs,
      signal: opts.signal,
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (child.pid === undefined) reject(startError(file, env.PATH, e.code));
    });
    child.once('close', (code, signal) => {
      const signo = signal ? (constants.signals[signal] ?? 0) : 0;
      resolve({
        exitCode: signal ? 128 + signo : (code ?? 0),
        ...(signal ? { signal } : {}),
        stdout: out,
        stderr: err,
      });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}
