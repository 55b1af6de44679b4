// How the long-running shim's Node.js is tuned: it is idle most of the time, so it trades JIT speed for memory.
// Only flags Node.js documents, on node's command line, where they are defined to work (V8 flags set once the
// process runs are outside what Node.js documents, and V8's own testing flags are not for production):
// - --jitless: V8's interpreter only, no compiled code. A shim serving execs (an exec liveness probe every few
//   seconds) otherwise keeps growing the optimised code and feedback of its hot paths, several MiB per shim;
//   an idle shim is the same either way. Node.js marks it experimental, so a soak of execs runs under it
//   (test/integration/shim/daemon-flags.test.ts). A V8 flag on the command line makes V8 refuse Node's code cache
//   for its own modules (net, child_process, streams), which the daemon then compiles as it loads them: a cost
//   at the daemon's boot, which the pre-booted spare pays before a container needs it. The daemon's own code
//   cache is made under these same flags (`npm run build`), so V8 takes that one.
// - --v8-pool-size=1 (a Node.js flag): one V8 worker thread, the fewest there can be; a heap of a few MiB is
//   collected on the main thread. 0 would mean one per CPU but one.
// The list lives in daemon-flags.json: `npm run build` makes the daemon's code cache under the same flags.
import flags from './daemon-flags.json' with { type: 'json' };

export const DEFAULT_DAEMON_NODE_FLAGS: readonly string[] = flags.node;

/** None: V8 flags are no longer set after start-up. Kept while bench/lib/subjects.ts builds its levers from it. */
export const DEFAULT_DAEMON_V8_FLAGS: readonly string[] = [];

/** node's command line for the daemon; TSSHIM_DAEMON_NODE_FLAGS replaces it */
export function daemonNodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  const value = env.TSSHIM_DAEMON_NODE_FLAGS;
  return value === undefined ? [...DEFAULT_DAEMON_NODE_FLAGS] : value.split(/\s+/).filter(Boolean);
}
