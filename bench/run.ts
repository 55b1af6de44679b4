// `npm run bench`: tsshim against containerd's own Go shim under containerd 2.x, one daemon per shim (and
// one per lever variant), interleaved; prints a markdown report and writes bench/results/latest.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import { containerdBinaries, missingBinaries } from '../test/helpers/containerd.ts';
import { parseOptions, type BenchOptions, type ScenarioName } from './lib/options.ts';
import { markdownReport } from './lib/report.ts';
import {
  burstResult,
  busyResult,
  groupResult,
  lifecycleResult,
  outputCopyFigures,
  outputCopyRun,
  round2,
  rpcLatency,
  series,
  toRecord,
  type BenchResults,
} from './lib/results.ts';
import { median, percentile } from './lib/stats.ts';
import {
  goSubject,
  leverSubjects,
  startSubject,
  tsshimSubject,
  type Subject,
  type SubjectSpec,
} from './lib/subjects.ts';
import { prepareBuilds, type Builds } from './lib/builds.ts';
import { interference } from './lib/ctr.ts';
import { measureBurst, measureBusy } from './scenarios/busy.ts';
import { measureGroup } from './scenarios/group.ts';
import { measureExec, measureRunRm, measureStdout, startSleeper } from './scenarios/latency.ts';
import { measureLifecycles } from './scenarios/lifecycles.ts';
import { measureGrowth, measureMemory } from './scenarios/memory.ts';
import { spareMemory } from './scenarios/spare.ts';
import { generator, LEAD_S, measureOutputCopy, outputCases, TAIL_S } from './scenarios/output-copy.ts';
import { measureStartup, startupCommands } from './scenarios/startup.ts';
import { measureStateRpc } from './scenarios/state-rpc.ts';

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));

/** Which lever variants take part in which scenario (the rest have nothing to say there). */
const leverScenarios: Record<string, ScenarioName[]> = {
  jit: ['run', 'exec', 'stdout', 'state', 'memory'],
  noreduce: ['memory'],
  pool: ['run', 'memory'],
  nocache: ['run'],
  execa: ['run', 'exec'],
  nopino: ['run', 'memory'],
  nosplit: ['run'],
  extdeps: ['run', 'memory'],
  nospare: ['run', 'lifecycles'],
  nostartclient: ['run', 'lifecycles', 'group'],
  norecord: ['run', 'lifecycles'],
  nobusyreduce: ['exec', 'busy'],
  busy4: ['busy'],
  semispace: ['busy', 'lifecycles'],
};

function progress(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function containerdVersion(): string {
  const out = execFileSync(containerdBinaries('2').containerd, ['--version'], { encoding: 'utf8' });
  return out.trim().split(/\s+/)[2] ?? out.trim();
}

async function runScenarios(
  opts: BenchOptions,
  subjects: Subject[],
  results: BenchResults,
  builds: Builds,
): Promise<void> {
  const want = (s: ScenarioName): boolean => opts.scenarios.has(s);
  const taking = (s: ScenarioName): Subject[] =>
    subjects.filter((x) => !x.lever || (leverScenarios[x.key] ?? []).includes(s));

  if (want('startup')) {
    progress(`start-up of the processes, ${opts.startupRounds} rounds`);
    const commands = startupCommands(builds, opts.levers);
    const samples = await measureStartup(commands, opts.startupRounds);
    results.startup = commands.map((c) => ({ key: c.key, label: c.label, ...series(samples.get(c.key)!) }));
  }
  if (want('run')) {
    progress(`ctr run --rm, ${opts.rounds} rounds × ${taking('run').length} shims`);
    results.run = toRecord(await measureRunRm(taking('run'), opts.rounds), series);
  }
  if (want('lifecycles')) await runLifecycles(opts, taking('lifecycles'), results);
  if (want('group')) {
    progress(
      `grouped sandboxes: ${opts.groupRounds} rounds × ${taking('group').length} shims, ${opts.startProbes} start actions each`,
    );
    results.group = toRecord(
      await measureGroup(taking('group'), opts.groupRounds, opts.startProbes),
      groupResult,
    );
  }
  const needSleeper = (['exec', 'stdout', 'state', 'growth'] as const).some(want);
  if (needSleeper) for (const s of subjects) await startSleeper(s);
  if (want('exec')) {
    progress(`ctr task exec, ${opts.rounds} rounds × ${taking('exec').length} shims`);
    results.exec = toRecord(await measureExec(taking('exec'), opts.rounds), series);
  }
  if (want('stdout')) {
    const bytes = opts.stdoutMiB << 20;
    progress(`${opts.stdoutMiB} MiB of stdout, ${opts.rounds} rounds × ${taking('stdout').length} shims`);
    results.stdout = toRecord(await measureStdout(taking('stdout'), opts.rounds, bytes), (ms) => {
      const s = series(ms);
      return { ...s, bytes, mibPerSecond: round2(opts.stdoutMiB / (s.medianMs / 1000)) };
    });
  }
  if (want('state')) {
    progress(`State RPC, ${opts.stateCalls} calls × ${taking('state').length} shims`);
    results.state = toRecord(
      await measureStateRpc(taking('state'), opts.stateCalls, opts.stateWarmup),
      rpcLatency,
    );
  }
  if (want('growth')) {
    const growers = subjects.filter((s) => !s.lever);
    progress(
      `memory growth: ${opts.growthWarmup} warm-up execs, then ${opts.growthExecs} × ${growers.length} shims`,
    );
    const growth = await measureGrowth(growers, opts.growthWarmup, opts.growthExecs, (n) =>
      progress(`  ${n}/${opts.growthExecs} execs`),
    );
    results.growth = toRecord(growth, (g) => ({
      execs: g.execs,
      beforeKiB: g.before,
      afterKiB: g.after,
      deltaKiB: g.delta,
      execMedianMs: round2(median(g.execMs)),
      execP99Ms: round2(percentile(g.execMs, 99)),
    }));
  }
  if (want('memory') || want('busy')) {
    // busy memory is measured on the memory scenario's running containers
    const measured = subjects.filter(
      (s) => (want('memory') && taking('memory').includes(s)) || (want('busy') && taking('busy').includes(s)),
    );
    progress(`memory with ${opts.containers} running containers × ${measured.length} shims`);
    const memory = await measureMemory(measured, opts.containers, async (ids, pids) => {
      for (const s of measured) {
        const spare = await spareMemory(s);
        if (spare) (results.spare ??= {})[s.key] = spare;
      }
      if (!want('busy')) return;
      const busy = taking('busy');
      progress(
        `busy: ${opts.busyBlocks} blocks × ${opts.busyRounds} rounds of an exec in each of ${opts.containers} containers × ${busy.length} shims`,
      );
      results.busy = toRecord(
        await measureBusy(busy, ids, pids, opts.busyBlocks, opts.busyRounds),
        busyResult,
      );
      progress(`burst: ${opts.burstExecs} execs back to back on one shim × ${busy.length} shims`);
      results.burst = toRecord(await measureBurst(busy, ids, pids, opts.burstExecs), burstResult);
    });
    const settled = new Set(want('memory') ? taking('memory').map((s) => s.key) : []);
    for (const key of [...memory.keys()]) if (!settled.has(key)) memory.delete(key);
    if (settled.size > 0)
      results.memory = toRecord(memory, (m) => ({
        containers: m.containers,
        shims: m.shims,
        totalKiB: m.total,
        perContainerKiB: {
          rss: Math.round(m.perContainer.rss),
          pss: Math.round(m.perContainer.pss),
          private: Math.round(m.perContainer.private),
        },
      }));
  }
  if (want('output-copy')) await runOutputCopy(opts, subjects, results);
}

async function runLifecycles(opts: BenchOptions, taking: Subject[], results: BenchResults): Promise<void> {
  progress(
    `lifecycles: ${opts.lifecycleRounds} batches of ${opts.lifecycleContainers} ctr run --rm, ` +
      `${opts.lifecycleConcurrency} at a time, × ${taking.length} shims`,
  );
  const batches = await measureLifecycles(
    taking,
    opts.lifecycleRounds,
    opts.lifecycleContainers,
    opts.lifecycleConcurrency,
    (s, b) =>
      progress(
        `  ${s.key}: ${(b.wallMs / 1000).toFixed(1)} s, shim CPU ` +
          `${b.shimCpuMsPerContainer === undefined ? '–' : b.shimCpuMsPerContainer.toFixed(1)} ms per container`,
      ),
  );
  results.lifecycles = toRecord(batches, lifecycleResult);
}

async function runOutputCopy(opts: BenchOptions, subjects: Subject[], results: BenchResults): Promise<void> {
  // the comparison the targets are about: containerd's Go shim against tsshim as built
  const copiers = subjects.filter((s) => !s.lever);
  const cases = outputCases(opts.outputMB);
  progress(
    `output copy: ${cases.map((c) => c.label).join('; ')}; ${opts.outputRounds} rounds × ${copiers.length} shims`,
  );
  const runs = await measureOutputCopy(copiers, cases, opts.outputRounds, (what, run) =>
    progress(
      `  ${what}: ${run.mbPerSecond.toFixed(1)} MB/s, Private_Dirty ${run.beforePrivateDirtyKiB} → peak ` +
        `${run.peakPrivateDirtyKiB} → settled ${run.settledPrivateDirtyKiB} KiB, CPU ${Math.round(run.cpuMsPerGB)} ms/GB`,
    ),
  );
  results.meta.outputRounds = opts.outputRounds;
  results.outputCopy = {
    rounds: opts.outputRounds,
    generator,
    leadSeconds: LEAD_S,
    tailSeconds: TAIL_S,
    cases: cases.map((c) => ({
      key: c.key,
      label: c.label,
      bytes: c.bytes,
      readerMBps: c.rate === undefined ? null : c.rate / 1e6,
      bySubject: toRecord(runs.get(c.key)!, (rs) => ({
        median: outputCopyFigures(rs),
        runs: rs.map(outputCopyRun),
      })),
    })),
  };
}

async function writeResults(path: string, results: BenchResults): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  // formatted as prettier would, so `prettier --check .` passes on a committed result
  const config = (await prettier.resolveConfig(path)) ?? {};
  writeFileSync(path, await prettier.format(JSON.stringify(results), { ...config, parser: 'json' }));
}

async function main(): Promise<void> {
  const opts = parseOptions(
    process.argv.slice(2),
    process.env,
    join(repoRoot, 'bench', 'results', 'latest.json'),
  );
  const missing = missingBinaries('2');
  if (missing.length > 0)
    throw new Error(`containerd 2.x is not installed (${missing.join(', ')}): run scripts/install-deps.sh`);
  if (process.getuid?.() !== 0) throw new Error('the bench runs containers: run it as root');

  const results: BenchResults = {
    meta: {
      startedAt: new Date().toISOString(),
      finishedAt: '',
      quick: opts.quick,
      rounds: opts.rounds,
      node: process.version,
      containerd: containerdVersion(),
      cpus: cpus().length,
      loadAverageBefore: loadavg().map(round2),
      loadAverageAfter: [],
      interferenceRetries: 0,
    },
    subjects: [],
  };
  // a lever variant takes part only if one of its scenarios runs
  const levers = opts.levers
    ? leverSubjects.filter(
        (l) =>
          (!opts.leverKeys || opts.leverKeys.has(l.key)) &&
          (leverScenarios[l.key] ?? []).some((s) => opts.scenarios.has(s)),
      )
    : [];
  const specs: SubjectSpec[] = [goSubject, tsshimSubject, ...levers];
  // the startup scenario times the build variants' processes even without their daemons
  const buildVariants = opts.levers && (levers.length > 0 || opts.scenarios.has('startup'));
  results.subjects = specs.map(({ key, label, lever, env }) => ({ key, label, lever, env }));

  const subjects: Subject[] = [];
  let builds: Builds | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      for (const s of subjects)
        await s.daemon.stop().catch((err: unknown) => progress(`stop ${s.key}: ${String(err)}`));
      builds?.remove();
    })());
  process.once('SIGINT', () => {
    progress('interrupted: stopping the daemons');
    void cleanup().then(() => process.exit(130));
  });

  try {
    progress(
      `copying the build${buildVariants ? ', building the lever variants (one file; dependencies not bundled)' : ''}`,
    );
    builds = await prepareBuilds(repoRoot, buildVariants);
    const needsDaemons = [...opts.scenarios].some((s) => s !== 'startup');
    for (const spec of needsDaemons ? specs : []) {
      progress(`starting containerd 2.x for ${spec.label}`);
      subjects.push(await startSubject(spec, builds));
    }
    await runScenarios(opts, subjects, results, builds);
  } catch (err) {
    // what was measured before the failure is still reported
    results.meta.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
  } finally {
    await cleanup();
  }
  results.meta.finishedAt = new Date().toISOString();
  results.meta.loadAverageAfter = loadavg().map(round2);
  results.meta.interferenceRetries = interference.retries;
  await writeResults(opts.resultsPath, results);
  process.stdout.write(markdownReport(results));
  progress(`results written to ${opts.resultsPath}`);
  if (results.meta.error) throw new Error(`a scenario failed (partial results above): ${results.meta.error}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
