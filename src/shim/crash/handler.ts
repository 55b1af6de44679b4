// What the daemon does with an exception nothing caught: it logs the stack mapped to src/ lines (source-map.ts)
// and the state dump in one line, then exits, as Node.js would by default and as the Go shim does on a panic;
// its state may no longer be what containerd was told. An unhandled rejection is logged the same way without
// exiting, as the shim always did: it ends one operation, not the process.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogFn } from '../logger.ts';
import { readableError } from './source-map.ts';

/** Time for the log writer's last retries once the crash is logged (the log FIFO may be full). */
const EXIT_GRACE_MS = 100;
export const CRASH_EXIT_CODE = 1;

export interface CrashHandlerOptions {
  log: LogFn;
  /** where the running bundles and their maps are; default: beside this code's own bundle (dist/shim) */
  bundleDir?: string;
  /** the state dump; a dump that fails is logged as its error */
  dump: () => unknown;
  /** writes what the log holds */
  flush: () => void;
  env?: NodeJS.ProcessEnv;
}

export function installCrashHandler(opts: CrashHandlerOptions): void {
  const bundleDir = opts.bundleDir ?? dirname(fileURLToPath(import.meta.url));
  let crashing = false;
  process.on('uncaughtException', (err) => {
    // a second exception while the first is logged: the first one is the story, and the exit is on its way
    if (crashing) return;
    crashing = true;
    process.exitCode = CRASH_EXIT_CODE;
    let dump: unknown;
    try {
      dump = opts.dump();
    } catch (dumpErr) {
      dump = { error: readableError(dumpErr, bundleDir) };
    }
    opts.log('error', 'uncaught exception, exiting', { error: readableError(err, bundleDir), dump });
    opts.flush();
    setTimeout(() => {
      opts.flush();
      process.exit(CRASH_EXIT_CODE);
    }, EXIT_GRACE_MS);
  });
  process.on('unhandledRejection', (reason) => {
    opts.log('error', 'unhandled rejection', { error: readableError(reason, bundleDir) });
  });
  installTestCrash(opts.env ?? process.env);
}

/**
 * For tests only: with TSSHIM_TEST_CRASH=1 in the daemon's environment, SIGUSR2 makes it throw an exception
 * nothing catches, from its own code. Inert otherwise: nothing is listened for, and SIGUSR2 keeps Node's default
 * (the process ends). containerd never sets the variable; whoever can set containerd's environment or signal the
 * shim can end it anyway.
 */
function installTestCrash(env: NodeJS.ProcessEnv): void {
  if (env.TSSHIM_TEST_CRASH !== '1') return;
  process.on('SIGUSR2', () => setImmediate(() => throwForTest()));
}

function throwForTest(): never {
  throw new Error('crash asked for by SIGUSR2 (TSSHIM_TEST_CRASH=1)');
}
