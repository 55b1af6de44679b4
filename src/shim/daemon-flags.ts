// How the long-running shim's Node.js is tuned: it is idle most of the time, so it trades JIT speed for memory.
//
// V8 flags are set once the daemon's code is loaded, not on the command line, where each V8 flag
// makes V8 refuse Node's code cache for its own modules (net, child_process, streams: 8 ms to load without
// flags, 25-30 ms with), and the daemon's boot is on the path of every container start.
// - --no-opt --no-sparkplug: the interpreter only, no compiled code kept (as --jitless, which must be given at
//   start: same memory, measured);
// - --stress-flush-code: bytecode is dropped at each full collection (the idle memory reduction runs them), so
//   code that ran once (boot, Create) does not stay resident: 0.4 MiB less private per shim; a request after a
//   quiet period compiles its functions again (bench lever keepcode).
// On the command line, the Node.js (not V8) flag --v8-pool-size=0: no V8 worker threads (3 fewer threads, ~0.1
// MiB); a 5 MiB heap is collected on the main thread in a few ms (bench lever pool).
// The lists live in daemon-flags.json: `npm run build` makes the daemon's code cache under the same node flags.
import flags from './daemon-flags.json' with { type: 'json' };

export const DEFAULT_DAEMON_NODE_FLAGS: readonly string[] = flags.node;
export const DEFAULT_DAEMON_V8_FLAGS: readonly string[] = flags.v8AfterLoad;

function fromEnv(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(/\s+/).filter(Boolean);
}

/** node's command line for the daemon; TSSHIM_DAEMON_NODE_FLAGS replaces it */
export function daemonNodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  return fromEnv(env.TSSHIM_DAEMON_NODE_FLAGS) ?? [...DEFAULT_DAEMON_NODE_FLAGS];
}

/** V8 flags the daemon sets once its code is loaded; TSSHIM_DAEMON_V8_FLAGS replaces them ('' for none) */
export function daemonV8Flags(env: NodeJS.ProcessEnv = process.env): string[] {
  return fromEnv(env.TSSHIM_DAEMON_V8_FLAGS) ?? [...DEFAULT_DAEMON_V8_FLAGS];
}
