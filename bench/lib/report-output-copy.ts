// The output-copy section of the report: per reader pace, the shims' memory, CPU and throughput,
// each against its target.
import type { BenchResults, OutputCopyCaseResult, OutputCopyFigures } from './results.ts';
import { ratio } from './stats.ts';

/** a reader-limited throughput counts as the reader's rate within this fraction (timer and scheduling slack) */
const AT_RATE = 0.97;

interface Row {
  name: string;
  value: (f: OutputCopyFigures) => number;
  digits: number;
  /** no ratio for differences: they are near zero */
  difference?: boolean;
  /** ✓ or ✗ with the target's words; undefined: no target */
  target?: (go: OutputCopyFigures, ts: OutputCopyFigures, c: OutputCopyCaseResult) => [boolean, string];
}

const rows: Row[] = [
  { name: 'Private_Dirty before the output, MiB', value: (f) => f.beforePrivateDirtyKiB / 1024, digits: 2 },
  {
    name: 'peak Private_Dirty while copying, MiB',
    value: (f) => f.peakPrivateDirtyKiB / 1024,
    digits: 2,
    target: (go, ts) => [ts.peakPrivateDirtyKiB <= 2 * go.peakPrivateDirtyKiB, '≤ 2× Go'],
  },
  {
    name: 'Private_Dirty the copy added (peak − before), KiB',
    value: (f) => f.copyGrowthDirtyKiB,
    digits: 0,
    difference: true,
  },
  { name: 'settled Private_Dirty, MiB', value: (f) => f.settledPrivateDirtyKiB / 1024, digits: 2 },
  {
    name: 'peak private (clean + dirty) while copying, MiB',
    value: (f) => f.peakPrivateKiB / 1024,
    digits: 2,
    target: (go, ts) => [ts.peakPrivateKiB <= 2 * go.peakPrivateKiB, '≤ 2× Go'],
  },
  { name: 'settled private (clean + dirty), MiB', value: (f) => f.settledPrivateKiB / 1024, digits: 2 },
  {
    name: 'throughput the reader got, MB/s',
    value: (f) => f.mbPerSecond,
    digits: 1,
    target: (go, ts, c) =>
      c.readerMBps === null
        ? [ts.mbPerSecond >= go.mbPerSecond, "≥ Go's"]
        : [
            ts.mbPerSecond >= AT_RATE * c.readerMBps,
            `the reader's ${c.readerMBps} MB/s (≥ ${AT_RATE * 100}%)`,
          ],
  },
  {
    name: 'shim CPU per GB copied, ms',
    value: (f) => f.cpuMsPerGB,
    digits: 0,
    target: (go, ts) => [ts.cpuMsPerGB <= go.cpuMsPerGB, "≤ Go's"],
  },
];

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '–';
}

export function outputCopySection(r: BenchResults): string[] {
  const o = r.outputCopy;
  if (!o) return [];
  const full = Math.max(...o.cases.map((c) => c.bytes)) / 1e6;
  const lines = [
    `\`ctr run --rm\` of a container running \`sleep ${o.leadSeconds}; ${o.generator}; sleep ${o.tailSeconds}\` ` +
      `(busybox \`head\` writes 4 KiB at a time; the first sleep lets both shims go idle, tsshim giving back its ` +
      `start-up memory, so the peak is what copying adds to an idle shim); ctr's stdout read by the bench as fast as it can, at 50 MB/s and at 5 MB/s (a fifth of the ` +
      `output there: ${full} MB at 5 MB/s would take ${full / 5} s per run). Medians over ${o.rounds} interleaved ` +
      `round(s). Memory of the shim process from \`smaps_rollup\`, sampled every 100 ms; peak from the first ` +
      `byte to the last, settled 2–3 s after the last byte. Private_Dirty is what work costs a process; ` +
      `private (clean + dirty) also counts the Go shim's text, which no other process maps when one Go shim ` +
      `runs alone (node's text is shared with other node processes). CPU: the shim's utime + stime from the ` +
      `first byte to the last, in 10 ms ticks. MB = 10^6 bytes.`,
    '',
    '| Reader | Measure | Go shim | tsshim | tsshim / Go | Target |',
    '|---|---|---:|---:|---:|---|',
  ];
  for (const c of o.cases) {
    const go = c.bySubject.go?.median;
    const ts = c.bySubject.tsshim?.median;
    if (!go || !ts) continue;
    rows.forEach((row, i) => {
      const [a, b] = [row.value(go), row.value(ts)];
      const rel = row.difference ? Number.NaN : ratio(b, a);
      const check = row.target?.(go, ts, c);
      const target = check ? `${check[0] ? '✓' : '✗'} ${check[1]}` : '';
      lines.push(
        `| ${i === 0 ? c.label : ''} | ${row.name} | ${fmt(a, row.digits)} | ${fmt(b, row.digits)} | ` +
          `${Number.isFinite(rel) ? `${rel.toFixed(2)}×` : ''} | ${target} |`,
      );
    });
  }
  return lines;
}
