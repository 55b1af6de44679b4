// The only place that starts processes. Every child is marked owned in the native reaper synchronously after
// the spawn and unmarked once libuv has reaped it, so the reaper never steals a libuv child (libuv would
// then wait forever for an exit it never sees).
import { runChild, spawnChildProcess } from './child.ts';
import type { RunOptions, RunResult, Spawned } from './types.ts';

export { lookPath } from './look-path.ts';
export type { RunOptions, RunResult, Spawned, StdioTarget } from './types.ts';

/** What starts runc: node:child_process (child.ts) by default; execa (execa.ts, a bundle of its own loaded at the
 *  first call) with TSSHIM_RUNNER=execa. execa stays the option: it makes every container start slower
 *  (bench/README.md, the execa lever). */
export const runner: 'child_process' | 'execa' =
  process.env.TSSHIM_RUNNER === 'execa' ? 'execa' : 'child_process';
const useExeca = runner === 'execa';

/** Runs to completion. Resolves for any exit (never throws for a non-zero exit or a signal); rejects only when
 *  the program cannot be started, with an Error naming the program. */
export async function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  if (useExeca) return (await import('./execa.ts')).runExeca(file, args, opts);
  return runChild(file, args, opts);
}

/** Long-running child. detached = own session and process group, and the parent does not wait for it (unref). */
export function spawn(
  file: string,
  args: readonly string[],
  opts: RunOptions & { detached?: boolean } = {},
): Spawned {
  return spawnChildProcess(file, args, opts);
}
