// A monotonic clock in milliseconds for the shim's own timings (a request's duration, a memory reduction's).
// Not `performance.now()`: the global `performance` loads node:perf_hooks and its eight modules on first use,
// which the daemon would compile (its V8 flags make V8 refuse Node's own code cache) and keep for its whole life.
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
