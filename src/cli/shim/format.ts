// What a command prints: one record as KEY/VALUE lines, or rows as columns; or the same data as JSON.
import type { Format } from './args.ts';

export type Output =
  | { kind: 'record'; value: Record<string, unknown> }
  | { kind: 'rows'; rows: Record<string, unknown>[] }
  | { kind: 'none' };

function scalar(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Nested objects become dotted keys; arrays of scalars one comma list; arrays of objects indexed keys. */
export function flatten(value: Record<string, unknown>, prefix = ''): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (Array.isArray(v)) {
      if (v.every((e) => typeof e !== 'object' || e === null)) out.push([key, v.map(scalar).join(',')]);
      else v.forEach((e, i) => out.push(...flattenValue(e, `${key}.${i}`)));
    } else out.push(...flattenValue(v, key));
  }
  return out;
}

function flattenValue(v: unknown, key: string): [string, string][] {
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && !Array.isArray(v))
    return flatten(v as Record<string, unknown>, key);
  return [[key, scalar(v)]];
}

function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows
      .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
      .join('\n') + '\n'
  );
}

export function renderTable(output: Output): string {
  switch (output.kind) {
    case 'none':
      return '';
    case 'record': {
      const entries = flatten(output.value);
      return entries.length ? columns([['KEY', 'VALUE'], ...entries]) : '';
    }
    case 'rows': {
      const keys = [...new Set(output.rows.flatMap((r) => Object.keys(r)))];
      if (keys.length === 0) return '';
      return columns([
        keys.map((k) => k.toUpperCase()),
        ...output.rows.map((r) => keys.map((k) => scalar(r[k]))),
      ]);
    }
  }
}

export function renderJson(output: Output): string {
  if (output.kind === 'none') return '';
  const data = output.kind === 'record' ? output.value : output.rows;
  return `${JSON.stringify(data, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v), 2)}\n`;
}

export function render(output: Output, format: Format): string {
  return format === 'json' ? renderJson(output) : renderTable(output);
}
