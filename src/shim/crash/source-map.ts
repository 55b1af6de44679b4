// Stacks of the minified bundles, mapped back to src/ lines with the source maps `npm run build` writes beside
// them (dist/shim/<bundle>.cjs.map). Read only when a stack is about to be logged: Node's own source-map support
// (--enable-source-maps, module.findSourceMap) would parse every bundle's map at load, on every shim's boot.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** The parts of a source map (version 3) a lookup needs. */
export interface SourceMapV3 {
  version: number;
  sources: string[];
  mappings: string;
}

export interface OriginalPosition {
  source: string;
  /** 1-based, as stacks print it */
  line: number;
  /** 1-based, as stacks print it */
  column: number;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) DIGIT[BASE64.charCodeAt(i)] = i;

/**
 * The original position of a generated one (1-based line and column, as V8 prints them), or undefined when
 * nothing maps there. Mappings are deltas from the start of the map, so they are decoded up to the line asked
 * for; within a line segments are in column order, and the last one at or before the column is the answer.
 */
export function originalPosition(
  map: SourceMapV3,
  line: number,
  column: number,
): OriginalPosition | undefined {
  const m = map.mappings;
  let i = 0;
  const next = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const digit = DIGIT[m.charCodeAt(i++)] ?? -1;
      if (digit < 0) throw new Error(`source map: bad mappings at ${i - 1}`);
      value += (digit & 31) * 2 ** shift;
      shift += 5;
      if ((digit & 32) === 0) break;
    }
    const magnitude = Math.floor(value / 2);
    return value % 2 === 1 ? -magnitude : magnitude;
  };
  let genLine = 1;
  let genColumn = 0;
  let source = 0;
  let origLine = 0;
  let origColumn = 0;
  let found: OriginalPosition | undefined;
  while (i < m.length) {
    const c = m[i];
    if (c === ';') {
      if (genLine === line) break;
      genLine++;
      genColumn = 0;
      i++;
      continue;
    }
    if (c === ',') {
      i++;
      continue;
    }
    genColumn += next();
    let fields = 1;
    while (i < m.length && m[i] !== ',' && m[i] !== ';') {
      const v = next();
      fields++;
      if (fields === 2) source += v;
      else if (fields === 3) origLine += v;
      else if (fields === 4) origColumn += v;
      // a fifth field is a name index: not needed for a position
    }
    if (genLine !== line || fields < 4) continue;
    if (genColumn > column - 1) break;
    found = { source: map.sources[source] ?? '?', line: origLine + 1, column: origColumn + 1 };
  }
  return found;
}

/** `at fn (/…/dist/shim/daemon.cjs:1:48213)` or `at /…/daemon.cjs:1:48213`: a bundle location in a frame */
const BUNDLE_LOCATION = /((?:file:\/\/)?\/[^\s()]+\.cjs):(\d+):(\d+)/;

/**
 * The stack with each frame in a bundle that has a source map beside it rewritten to its original source
 * (`src/shim/….ts:120:7`, the minified function name kept); other frames (node's own, a bundle without a map)
 * are left as they are. Never throws: a map that cannot be read leaves its frames as they were.
 * With `bundleDir`, a bundle's map is looked for there by the bundle's file name, whatever directory the frame
 * names: a bundle loaded with its code cache carries the path it had when the cache was made (the build's
 * staging directory, or wherever the build was copied from), not the one it was loaded from.
 */
export function mapStack(stack: string, bundleDir?: string): string {
  const maps = new Map<string, SourceMapV3 | undefined>();
  const mapOf = (file: string): SourceMapV3 | undefined => {
    if (!maps.has(file)) {
      let map: SourceMapV3 | undefined;
      try {
        const bundle = file.replace(/^file:\/\//, '');
        const path = `${bundleDir === undefined ? bundle : join(bundleDir, basename(bundle))}.map`;
        if (existsSync(path)) map = JSON.parse(readFileSync(path, 'utf8')) as SourceMapV3;
      } catch {
        map = undefined;
      }
      maps.set(file, map);
    }
    return maps.get(file);
  };
  return stack
    .split('\n')
    .map((frame) => {
      const m = BUNDLE_LOCATION.exec(frame);
      if (!m || !/^\s*at /.test(frame)) return frame;
      const map = mapOf(m[1]!);
      if (!map) return frame;
      try {
        const pos = originalPosition(map, Number(m[2]), Number(m[3]));
        return pos ? frame.replace(m[0], `${pos.source}:${pos.line}:${pos.column}`) : frame;
      } catch {
        return frame;
      }
    })
    .join('\n');
}

/** What a thrown value says, its stack mapped to sources when it has one (bundleDir: as for mapStack). */
export function readableError(thrown: unknown, bundleDir?: string): string {
  if (thrown instanceof Error)
    return mapStack(thrown.stack ?? `${thrown.name}: ${thrown.message}`, bundleDir);
  return String(thrown);
}
