// What to measure and how often: full counts by default, reduced ones for development (--quick).
export type ScenarioName =
  | 'startup'
  | 'run'
  | 'lifecycles'
  | 'exec'
  | 'stdout'
  | 'state'
  | 'growth'
  | 'memory'
  | 'busy'
  | 'group'
  | 'output-copy';

export const allScenarios: readonly ScenarioName[] = [
  'startup',
  'run',
  'lifecycles',
  'exec',
  'stdout',
  'state',
  'growth',
  'memory',
  'busy',
  'group',
  'output-copy',
];

export interface BenchOptions {
  quick: boolean;
  /** interleaved rounds for ctr run --rm, exec and stdout */
  rounds: number;
  /** interleaved rounds of the start-up micro benchmark (processes only, no containerd) */
  startupRounds: number;
  /** `ctr run --rm` per lifecycle batch, how many at a time, and interleaved batches per subject */
  lifecycleContainers: number;
  lifecycleConcurrency: number;
  lifecycleRounds: number;
  /** busy memory: blocks per subject (taking turns), rounds per block (an exec in each container per round) */
  busyBlocks: number;
  busyRounds: number;
  /** back-to-back execs on one shim per subject, after the round-robin */
  burstExecs: number;
  /** grouped sandboxes per subject (three containers each), and `start` actions timed on each */
  groupRounds: number;
  startProbes: number;
  /** State RPC calls per shim (after stateWarmup), in blocks alternating between shims */
  stateCalls: number;
  stateWarmup: number;
  /** running containers per shim kind for the memory figure */
  containers: number;
  growthWarmup: number;
  growthExecs: number;
  /** MiB written to stdout through the shim */
  stdoutMiB: number;
  /** interleaved rounds of the output-copy scenario (a round copies output for a couple of minutes) */
  outputRounds: number;
  /** MB (10^6 bytes) the container writes in the output-copy cases read as fast as possible and at 50 MB/s;
   *  the 5 MB/s case writes a fifth of it */
  outputMB: number;
  /** measure the lever variants (extra tsshim daemons) too */
  levers: boolean;
  /** --levers: the lever variants to take (undefined: all that apply) */
  leverKeys: ReadonlySet<string> | undefined;
  scenarios: Set<ScenarioName>;
  resultsPath: string;
}

function intOption(argv: string[], flag: string, env: string | undefined, fallback: number): number {
  const i = argv.indexOf(flag);
  const raw = i >= 0 ? argv[i + 1] : env;
  if (raw === undefined || raw === '') return fallback;
  const n = Number.parseInt(raw, 10);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag}: expected a positive integer, got ${raw}`);
  return n;
}

export const usage = `npm run bench -- [options]
  --quick              reduced counts for development (also TSSHIM_BENCH_QUICK=1)
  --rounds N           interleaved rounds for run/exec/stdout (default 15; quick 3)
  --execs N            execs for the memory-growth figure (default 2000; quick 100)
  --containers N       running containers per shim for the memory and busy figures (default 10; quick 3)
  --lifecycles N       ctr run --rm per lifecycle batch (default 200; quick 40), 4 at a time (--concurrency N)
  --lifecycle-rounds N interleaved lifecycle batches per shim (default 3; quick 1)
  --output-rounds N    interleaved rounds of output-copy (default 3; quick 1; TSSHIM_BENCH_OUTPUT_ROUNDS)
  --output-mb N        MB written per output-copy run (default 500, 5 MB/s reader: a fifth; quick 100)
  --only a,b           scenarios: ${allScenarios.join(',')}
  --no-levers          only containerd's Go shim against tsshim with its defaults
  --levers a,b         only these lever variants (default: every lever of the scenarios that run)
  --out PATH           JSON results (default bench/results/latest.json)`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv, defaultOut: string): BenchOptions {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const quick = argv.includes('--quick') || env.TSSHIM_BENCH_QUICK === '1';
  const onlyIndex = argv.indexOf('--only');
  let scenarios = new Set<ScenarioName>(allScenarios);
  if (onlyIndex >= 0) {
    const names = (argv[onlyIndex + 1] ?? '').split(',').filter(Boolean);
    const unknown = names.filter((n) => !(allScenarios as readonly string[]).includes(n));
    if (unknown.length > 0 || names.length === 0)
      throw new Error(`--only: unknown scenario(s) ${unknown.join(',')}`);
    scenarios = new Set(names as ScenarioName[]);
  }
  const outIndex = argv.indexOf('--out');
  const leversIndex = argv.indexOf('--levers');
  const leverKeys =
    leversIndex >= 0 ? new Set((argv[leversIndex + 1] ?? '').split(',').filter(Boolean)) : undefined;
  return {
    quick,
    rounds: intOption(argv, '--rounds', env.TSSHIM_BENCH_ROUNDS, quick ? 3 : 15),
    startupRounds: quick ? 5 : 20,
    lifecycleContainers: intOption(argv, '--lifecycles', env.TSSHIM_BENCH_LIFECYCLES, quick ? 40 : 200),
    lifecycleConcurrency: intOption(argv, '--concurrency', env.TSSHIM_BENCH_CONCURRENCY, 4),
    lifecycleRounds: intOption(argv, '--lifecycle-rounds', env.TSSHIM_BENCH_LIFECYCLE_ROUNDS, quick ? 1 : 3),
    busyBlocks: quick ? 1 : 3,
    busyRounds: quick ? 3 : 10,
    burstExecs: quick ? 50 : 400,
    groupRounds: quick ? 1 : 5,
    startProbes: quick ? 5 : 10,
    stateCalls: quick ? 400 : 4000,
    stateWarmup: quick ? 50 : 300,
    containers: intOption(argv, '--containers', env.TSSHIM_BENCH_CONTAINERS, quick ? 3 : 10),
    growthWarmup: quick ? 10 : 50,
    growthExecs: intOption(argv, '--execs', env.TSSHIM_BENCH_EXECS, quick ? 100 : 2000),
    stdoutMiB: 30,
    outputRounds: intOption(argv, '--output-rounds', env.TSSHIM_BENCH_OUTPUT_ROUNDS, quick ? 1 : 3),
    outputMB: intOption(argv, '--output-mb', env.TSSHIM_BENCH_OUTPUT_MB, quick ? 100 : 500),
    levers: !argv.includes('--no-levers'),
    leverKeys,
    scenarios,
    resultsPath: outIndex >= 0 ? (argv[outIndex + 1] ?? defaultOut) : defaultOut,
  };
}
