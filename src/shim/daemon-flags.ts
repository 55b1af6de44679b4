import defaultFlags from './daemon-flags.json' with { type: 'json' };

// V8 flags for the long-running shim: it is idle most of the time, so trade JIT speed for memory. --jitless
// measured 11% less private memory per shim, 10% faster `ctr run --rm` and 25% more stdout throughput (the
// copy loops are native), for a State RPC that stays under a millisecond (bench/README.md).
// --stress-flush-code drops the bytecode of every function at each full collection (the idle memory
// reduction runs them), so code that ran once (boot, Create) does not stay resident: 0.4 MiB less private per
// shim; a request after a quiet period compiles its functions again from the source (bench lever keepcode).
// --v8-pool-size=0: no V8 worker threads (3 fewer threads, ~0.1 MiB); a 5 MiB heap is collected on the main
// thread in a few ms (bench lever pool).
// The list lives in daemon-flags.json: `npm run build` makes the daemon's V8 code cache with the same flags.
export const DEFAULT_DAEMON_NODE_FLAGS: readonly string[] = defaultFlags;

export function daemonNodeFlags(): string[] {
  const fromEnv = process.env.TSSHIM_DAEMON_NODE_FLAGS;
  if (fromEnv !== undefined) return fromEnv.split(/\s+/).filter(Boolean);
  return [...DEFAULT_DAEMON_NODE_FLAGS];
}
