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
];

function kib(x: number | undefined): number | undefined {
  return x === undefined ? undefined : x / MiB;
}

function mainTable(r: BenchResults): string[] {
  const lines = ['| Measure | Go shim | tsshim | tsshim / Go |', '|---|---:|---:|---:|'];
  for (const m of measures) {
    const go = m.value(r, 'go');
    const ts = m.value(r, 'tsshim');
    if (go === undefined && ts === undefined) continue;
    const rel = m.name.includes('growth') ? '' : fmtRatio(ratio(ts ?? NaN, go ?? NaN));
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
  const rel = (a: number | undefined, b: number | undefined): number => ratio(a ?? NaN, b ?? NaN);
  const run = rel(r.run?.tsshim?.medianMs, r.run?.go?.medianMs);
  checks.push({
    text: '`ctr run --rm` ≤ 1.3× Go',
    ok: Number.isFinite(run) ? run <= 1.3 : undefined,
    detail: fmtRatio(run),
  });
  const exec = rel(r.exec?.tsshim?.medianMs, r.exec?.go?.medianMs);
  checks.push({
    text: 'exec ≤ 1.2× Go',
    ok: Number.isFinite(exec) ? exec <= 1.2 : undefined,
    detail: fmtRatio(exec),
  });
  const out = rel(r.stdout?.tsshim?.mibPerSecond, r.stdout?.go?.mibPerSecond);
  checks.push({
    text: "stdout throughput ≥ Go's",
    ok: Number.isFinite(out) ? out >= 1 : undefined,
    detail: `${fmtRatio(out)} of Go's`,
  });
  const priv = rel(r.memory?.tsshim?.perContainerKiB.private, r.memory?.go?.perContainerKiB.private);
  checks.push({
    text: 'private memory per shim ≤ 2× Go',
    ok: Number.isFinite(priv) ? priv <= 2 : undefined,
    detail: `${fmtRatio(priv)} (PSS ${fmtRatio(rel(r.memory?.tsshim?.perContainerKiB.pss, r.memory?.go?.perContainerKiB.pss))})`,
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
  if (r.outputCopy) out.push('', '### Output copy', '', ...outputCopySection(r));
  const levers = r.subjects.filter((s) => s.lever);
  if (levers.length > 0)
    out.push('', '### Levers (each one change against tsshim as built)', '', ...leverTable(r, levers));
  if (r.startup) out.push('', '### Start-up of the processes alone', '', ...startupTable(r));
  return `${out.join('\n')}\n`;
}
