// Fixture trees (test/fixtures/cgroups) copied to a temp dir per test, and exact decoding of metrics.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { messageType } from '../../../src/api/codec.ts';

export const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'cgroups');
export const FIXTURE_PID = 4242;

export interface FixtureTree {
  root: string;
  procRoot: string;
  hugepagesDir: string;
  dir: string;
  remove(): void;
}

export function copyFixture(version: 'v1' | 'v2'): FixtureTree {
  const dir = mkdtempSync(join(tmpdir(), `tsshim-cgroups-${version}-`));
  cpSync(join(fixtures, version), dir, { recursive: true });
  return {
    dir,
    root: join(dir, 'root'),
    procRoot: join(dir, 'proc'),
    hugepagesDir: join(fixtures, 'hugepages'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** the message with uint64 values as decimal strings, so values above 2^53 compare exactly */
export function decodeExact(typeName: string, value: Uint8Array): Record<string, unknown> {
  const t = messageType(typeName);
  return t.toObject(t.decode(value), {
    longs: String,
    arrays: true,
    objects: true,
    defaults: false,
  }) as Record<string, unknown>;
}
