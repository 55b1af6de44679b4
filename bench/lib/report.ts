// The printed report: Go shim against tsshim, the targets, the output copy, the lever variants, process
// start-up.
import { outputCopySection } from './report-output-copy.ts';
import type { BenchResults, SubjectInfo } from './results.ts';
import { ratio } from './stats.ts';

const MiB = 1024;

function fmt(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

function fmtRatio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}×` : '–';
}

interface Measure {
  name: string;
  /** the number for one subject, or undefined when it was not measured */
  value: (r: BenchResults, key: string) => number | undefined;
  digits?: number;
}

const measures: Measure[] = [
  { name: '`ctr run --rm` /bin/true, median ms', value: (r, k) => r.run?.[k]?.medianMs, digits: 0 },
  { name: '`ctr task exec` /bin/true, median ms', value: (r, k) => r.exec?.[k]?.medianMs, digits: 0 },
  { name: 'stdout through the shim, median ms', value: (r, k) => r.stdout?.[k]?.medianMs, digits: 0 },
  { name: 'stdout throughput, MiB/s', value: (r, k) => r.stdout?.[k]?.mibPerSecond },
  { name: 'State RPC p50, µs', value: (r, k) => r.state?.[k]?.p50Us, digits: 0 },
  { name: 'State RPC p99, µs', value: (r, k) => r.state?.[k]?.p99Us, digits: 0 },
  {
    name: 'private per container, MiB',
    value: (r, k) => kib(r.memory?.[k]?.perContainerKiB.private),
    digits: 2,
  },
  { name: 'PSS per container, MiB', value: (r, k) => kib(r.memory?.[k]?.perContainerKiB.pss), digits: 2 },
  { name: 'RSS per container, MiB', value: (r, k) => kib(r.memory?.[k]?.perContainerKiB.rss), digits: 2 },
  { name: 'private growth over the execs, KiB', value: (r, k) => r.growth?.[k]?.deltaKiB.private, digits: 0 },
  { name: 'PSS growth over the execs, KiB', value: (r, k) => r.growth?.[k]?.deltaKiB.pss, digits: 0 },
  { name: 'exec during the growth run, median ms', value: (r, k) => r.growth?.[k]?.execMedianMs, digits: 0 },
  { name: 'lifecycles under concurrency, wall s', value: (r, k) => sec(r.lifecycles?.[k]?.wallMs) },
  {
    name: 'lifecycles: shim CPU per container, ms',
    value: (r, k) => r.lifecycles?.[k]?.shimCpuMsPerContainer ?? undefined,
    digits: 0,
  },
  {
    name: "lifecycles: containerd's own CPU per container, ms",
    value: (r, k) => r.lifecycles?.[k]?.containerdCpuMsPerContainer ?? undefined,
    digits: 0,
  },
  { name: 'busy: private per shim, mean MiB', value: (r, k) => kib(r.busy?.[k]?.meanPrivateKiB), digits: 2 },
  { name: 'busy: private per shim, max MiB', value: (r, k) => kib(r.busy?.[k]?.maxPrivateKiB), digits: 2 },
  { name: 'busy: exec median ms', value: (r, k) => r.busy?.[k]?.execMedianMs, digits: 0 },
  {
    name: 'burst: private of the shim, mean MiB',
    value: (r, k) => kib(r.burst?.[k]?.meanPrivateKiB),
    digits: 2,
  },
  {
    name: 'burst: private of the shim, max MiB',
    value: (r, k) => kib(r.burst?.[k]?.maxPrivateKiB),
    digits: 2,
  },
  { name: 'burst: shim CPU per exec, ms', value: (r, k) => r.burst?.[k]?.shimCpuMsPerExec, digits: 1 },
  { name: 'burst: exec median ms', value: (r, k) => r.burst?.[k]?.execMedianMs, digits: 0 },
  { name: 'pod: 1st container `ctr run -d`, ms', value: (r, k) => r.group?.[k]?.firstStartMs, digits: 0 },
  { name: 'pod: 2nd container `ctr run -d`, ms', value: (r, k) => r.group?.[k]?.secondStartMs, digits: 0 },
  { name: 'pod: 3rd container `ctr run -d`, ms', value: (r, k) => r.group?.[k]?.thirdStartMs, digits: 0 },
  {
    name: 'pod: private the 2nd container adds, KiB',
    value: (r, k) => r.group?.[k]?.addedBySecondKiB.private,
    digits: 0,
  },
  {
    name: 'pod: private the 3rd container adds, KiB',
    value: (r, k) => r.group?.[k]?.addedByThirdKiB.private,
    digits: 0,
  },
  {
    name: 'pod: private the 2nd and 3rd add together, KiB',
    value: (r, k) => r.group?.[k]?.addedByBothKiB?.private,
    digits: 0,
  },
  {
    name: '`start` on a running pod shim, median ms',
    value: (r, k) => r.group?.[k]?.startActionMs,
    digits: 0,
  },
  {
    name: '`start` on a running pod shim, CPU ms',
    value: (r, k) => r.group?.[k]?.startActionCpuMs ?? undefined,
    digits: 0,
  },
];

function sec(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

/** measures of memory added, not compared as a ratio */
const additive = (name: string): boolean => name.includes('growth') || name.includes('adds');

function kib(x: number | undefined): number | undefined {
  return x === undefined ? undefined : x / MiB;
}

function mainTable(r: BenchResults): string[] {
  const lines = ['| Measure | Go shim | tsshim | tsshim / Go |', '|---|---:|---:|---:|'];
  for (const m of measures) {
    const go = m.value(r, 'go');
    const ts = m.value(r, 'tsshim');
    if (go === undefined && ts === undefined) continue;
    const rel = additive(m.name) ? '' : fmtRatio(ratio(ts ?? NaN, go ?? NaN));
    lines.push(`| ${m.name} | ${fmt(go, m.digits)} | ${fmt(ts, m.digits)} | ${rel} |`);
  }
  // nothing of this table was measured (e.g. --only output-copy)
  return lines.length > 2 ? lines : [];
}

interface TargetCheck {
  text: string;
  ok: boolean | undefined;
  detail: string;
}

export function targetChecks(r: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const rel = (a: number | undefined | null, b: number | undefined | null): number =>
    ratio(a ?? NaN, b ?? NaN);
  const atMost = (text: string, x: number, limit: number, detail = fmtRatio(x)): void => {
    checks.push({ text, ok: Number.isFinite(x) ? x <= limit : undefined, detail });
  };
  atMost('`ctr run --rm` ≤ 1.2× Go', rel(r.run?.tsshim?.medianMs, r.run?.go?.medianMs), 1.2);
  const lc = r.lifecycles;
  const lcWall = rel(lc?.tsshim?.wallMs, lc?.go?.wallMs);
  const lcCpu = rel(lc?.tsshim?.shimCpuMsPerContainer, lc?.go?.shimCpuMsPerContainer);
  checks.push({
    text: `${lc?.tsshim?.containers ?? 200} lifecycles, ${lc?.tsshim?.concurrency ?? 4} at a time, ≤ 1.25× Go's wall time and shim CPU`,
    ok: Number.isFinite(lcWall) && Number.isFinite(lcCpu) ? lcWall <= 1.25 && lcCpu <= 1.25 : undefined,
    detail: `wall ${fmtRatio(lcWall)}, CPU ${fmtRatio(lcCpu)}`,
  });
  atMost('exec ≤ 1.1× Go', rel(r.exec?.tsshim?.medianMs, r.exec?.go?.medianMs), 1.1);
  const priv = rel(r.memory?.tsshim?.perContainerKiB.private, r.memory?.go?.perContainerKiB.private);
  atMost(
    'private memory per container (settled) ≤ 1.5× Go',
    priv,
    1.5,
    `${fmtRatio(priv)} (PSS ${fmtRatio(rel(r.memory?.tsshim?.perContainerKiB.pss, r.memory?.go?.perContainerKiB.pss))})`,
  );
  const busyMean = rel(r.busy?.tsshim?.meanPrivateKiB, r.busy?.go?.meanPrivateKiB);
  const busyMax = rel(r.busy?.tsshim?.maxPrivateKiB, r.busy?.go?.maxPrivateKiB);
  checks.push({
    text: "busy private memory ≤ 2× Go's busy (execs round-robin over the containers; mean and max)",
    ok: Number.isFinite(busyMean) && Number.isFinite(busyMax) ? busyMean <= 2 && busyMax <= 2 : undefined,
    detail: `mean ${fmtRatio(busyMean)}, max ${fmtRatio(busyMax)}`,
  });
  const burstMean = rel(r.burst?.tsshim?.meanPrivateKiB, r.burst?.go?.meanPrivateKiB);
  const burstMax = rel(r.burst?.tsshim?.maxPrivateKiB, r.burst?.go?.maxPrivateKiB);
  checks.push({
    text: `busy private memory ≤ 2× Go's busy (${r.burst?.tsshim?.execs ?? 400} execs back to back on one shim; mean and max)`,
    ok: Number.isFinite(burstMean) && Number.isFinite(burstMax) ? burstMean <= 2 && burstMax <= 2 : undefined,
    detail: `mean ${fmtRatio(burstMean)}, max ${fmtRatio(burstMax)}`,
  });
  const out = rel(r.stdout?.tsshim?.mibPerSecond, r.stdout?.go?.mibPerSecond);
  checks.push({
    text: "stdout throughput ≥ Go's",
    ok: Number.isFinite(out) ? out >= 1 : undefined,
    detail: `${fmtRatio(out)} of Go's`,
  });
  const growth = r.growth?.tsshim;
  checks.push({
    text: `growth over ${growth?.execs ?? 2000} execs < 1 MiB`,
    ok: growth ? growth.deltaKiB.private < 1024 : undefined,
    detail: growth
      ? `private ${growth.deltaKiB.private} KiB, PSS ${growth.deltaKiB.pss} KiB (Go: private ${r.growth?.go?.deltaKiB.private ?? '–'} KiB)`
      : '–',
  });
  return checks;
}

/** the spare is a process per containerd, not per container: its memory is shown once, beside the per-container
 *  figures */
function spareLines(r: BenchResults): string[] {
  const spare = r.spare?.tsshim;
  if (!spare) return [];
  return [
    `The spare (one idle pre-booted daemon per containerd, no container's): private ${fmt(kib(spare.private), 2)} MiB, ` +
      `PSS ${fmt(kib(spare.pss), 2)} MiB, RSS ${fmt(kib(spare.rss), 2)} MiB.`,
  ];
}

function leverTable(r: BenchResults, levers: SubjectInfo[]): string[] {
  const lines = [
    '| Lever | Measure | tsshim | with the lever | lever / tsshim | lever / Go |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const l of levers) {
    for (const m of measures) {
      if (m.name.includes('growth')) continue;
      const v = m.value(r, l.key);
      if (v === undefined) continue;
      const ts = m.value(r, 'tsshim');
      const go = m.value(r, 'go');
      lines.push(
        `| ${l.lever} | ${m.name} | ${fmt(ts, m.digits)} | ${fmt(v, m.digits)} | ${fmtRatio(ratio(v, ts ?? NaN))} | ${fmtRatio(ratio(v, go ?? NaN))} |`,
      );
    }
  }
  return lines;
}

function startupTable(r: BenchResults): string[] {
  // tsshim's processes run without NODE_EXTRA_CA_CERTS and NODE_OPTIONS: compare them with node run the same way
  const base = r.startup?.find((s) => s.key === 'node-clean')?.medianMs ?? NaN;
  const lines = ['| Process (no containerd) | median ms | minus the clean `node -e 0` |', '|---|---:|---:|'];
  for (const s of r.startup ?? []) {
    const extra = ['node', 'node-clean', 'go-v'].includes(s.key) ? '' : fmt(s.medianMs - base, 0);
    lines.push(`| ${s.label} | ${fmt(s.medianMs, 0)} | ${extra} |`);
  }
  return lines;
}

export function markdownReport(r: BenchResults): string {
  const m = r.meta;
  const table = mainTable(r);
  const out: string[] = [
    `## tsshim against containerd's Go shim (containerd ${m.containerd})`,
    '',
    `${m.quick ? '**Quick run (reduced counts): not for decisions.** ' : ''}` +
      `${table.length > 0 ? `Medians over ${m.rounds} interleaved rounds; ` : ''}` +
      `${m.cpus} CPUs, load average ${m.loadAverageBefore.map((x) => x.toFixed(1)).join(' ')} before, ` +
      `${m.loadAverageAfter.map((x) => x.toFixed(1)).join(' ')} after; node ${m.node}.`,
    ...(m.interferenceRetries > 0
      ? ['', `${m.interferenceRetries} ctr command(s) retried: another harness removed their FIFOs.`]
      : []),
    ...(m.error ? ['', `**A scenario failed; partial results.** ${m.error.split('\n')[0]}`] : []),
  ];
  if (table.length > 0) out.push('', ...table);
  const checks = targetChecks(r);
  if (checks.some((c) => c.ok !== undefined))
    out.push(
      '',
      '### Targets',
      '',
      ...checks.map((c) => `- ${c.ok === undefined ? '·' : c.ok ? '✓' : '✗'} ${c.text}: ${c.detail}`),
    );
  const spare = spareLines(r);
  if (spare.length > 0) out.push('', ...spare);
  if (r.outputCopy) out.push('', '### Output copy', '', ...outputCopySection(r));
  const levers = r.subjects.filter((s) => s.lever);
  if (levers.length > 0)
    out.push('', '### Levers (each one change against tsshim as built)', '', ...leverTable(r, levers));
  if (r.startup) out.push('', '### Start-up of the processes alone', '', ...startupTable(r));
  return `${out.join('\n')}\n`;
}
