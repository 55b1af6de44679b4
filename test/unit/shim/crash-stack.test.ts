// A stack thrown in a minified bundle reads as the source lines it came from, through the map esbuild writes
// beside the bundle, as `npm run build` writes the shim's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { mapStack, originalPosition, readableError } from '../../../src/shim/crash/source-map.ts';

const SOURCE = [
  'export function outer(): void {',
  '  inner(3);',
  '}',
  '',
  'function inner(n: number): void {',
  '  if (n > 2) throw new Error(`too big: ${n}`);',
  '}',
  '',
].join('\n');

/** a minified CommonJS bundle of SOURCE, with or without its map beside it; the stack `outer` throws */
function thrownIn(withMap: boolean): { stack: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tsshim-crash-'));
  writeFileSync(join(dir, 'thrower.ts'), SOURCE);
  buildSync({
    entryPoints: [join(dir, 'thrower.ts')],
    outfile: join(dir, 'thrower.cjs'),
    bundle: true,
    minify: true,
    format: 'cjs',
    platform: 'node',
    sourcemap: withMap ? 'external' : false,
    sourcesContent: false,
    logLevel: 'silent',
  });
  const { outer } = createRequire(import.meta.url)(join(dir, 'thrower.cjs')) as { outer: () => void };
  try {
    outer();
  } catch (err) {
    return { stack: (err as Error).stack ?? '', dir };
  }
  throw new Error('outer did not throw');
}

test('frames in a bundle map to the source file and line they were written at', () => {
  const { stack, dir } = thrownIn(true);
  try {
    assert.match(stack, /thrower\.cjs:\d+:\d+/, 'the raw stack points into the bundle');
    const mapped = mapStack(stack);
    const lines = mapped.split('\n');
    assert.equal(lines[0], 'Error: too big: 3');
    assert.match(lines[1]!, /thrower\.ts:6:\d+\)?$/, mapped);
    assert.match(lines[2]!, /thrower\.ts:2:\d+\)?$/, mapped);
    assert.doesNotMatch(lines.slice(1, 3).join('\n'), /\.cjs:/);
    // frames outside the bundle (the test runner's) are left as they were
    assert.equal(lines.at(-1), stack.split('\n').at(-1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bundle without a map beside it keeps its frames as they were', () => {
  const { stack, dir } = thrownIn(false);
  try {
    assert.equal(mapStack(stack), stack);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('positions decode across lines, negative deltas and multi-digit values', () => {
  // line 1: col 0 → a.ts 1:1; col 20 → a.ts 3:5 (gC+20 ,lines+2, col+4 encoded "oBAEI");
  // line 2: col 2 → b.ts 1:1 (source +1, line -2, col -4: "ECFJ")
  const map = { version: 3, sources: ['a.ts', 'b.ts'], mappings: 'AAAA,oBAEI;ECFJ' };
  assert.deepEqual(originalPosition(map, 1, 1), { source: 'a.ts', line: 1, column: 1 });
  assert.deepEqual(originalPosition(map, 1, 15), { source: 'a.ts', line: 1, column: 1 });
  assert.deepEqual(originalPosition(map, 1, 21), { source: 'a.ts', line: 3, column: 5 });
  assert.deepEqual(originalPosition(map, 2, 3), { source: 'b.ts', line: 1, column: 1 });
  assert.equal(originalPosition(map, 2, 1), undefined);
});

test('a thrown value that is not an Error is logged as its string', () => {
  assert.equal(readableError('plain'), 'plain');
  assert.equal(readableError(42), '42');
});
