// The version and revision of the build this code runs from, which the build records in dist/build-info.json
// (scripts/build-info.mjs): the shim's -v and -info and `tsshim --version` report them. Recorded rather than
// written in the code, so that an installed package names the commit it came from.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface BuildInfo {
  version: string;
  revision: string;
}

const UNKNOWN: BuildInfo = { version: 'unknown', revision: 'unknown' };

function readInfo(file: string): BuildInfo | undefined {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = JSON.parse(text) as Partial<BuildInfo>;
  return {
    version: typeof parsed.version === 'string' ? parsed.version : UNKNOWN.version,
    revision: typeof parsed.revision === 'string' ? parsed.revision : UNKNOWN.revision,
  };
}

/** The build-info.json nearest above `from` (a bundle's directory: dist/shim or dist/chunks), or the checkout's
 *  dist/ when the sources run directly (tests). */
export function buildInfo(from: string): BuildInfo {
  for (let dir = from; ; dir = dirname(dir)) {
    const info = readInfo(join(dir, 'build-info.json')) ?? readInfo(join(dir, 'dist', 'build-info.json'));
    if (info) return info;
    if (dirname(dir) === dir) return UNKNOWN;
  }
}
