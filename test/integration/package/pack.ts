// `npm pack` of this working tree, done in a copy of its sources: packing runs the build (prepack), which in the
// checkout would swap the dist/ other tests are running shims from.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitRevision } from '../../../scripts/build-info.mjs';
import { repoRoot } from '../../helpers/rootfs.ts';

/** What the build and the package read: the sources, the build scripts, the profiles and the docs. */
const SOURCES = [
  'package.json',
  'package-lock.json',
  'binding.gyp',
  'tsconfig.json',
  'README.md',
  'LICENSE',
  'src',
  'scripts',
  'profiles',
  'bin/tsshim',
  'bin/package.json',
];

/** The environment of a person's shell: nothing npm sets for the scripts it runs (npm test). */
export function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
    ...extra,
  };
}

export interface Packed {
  tarball: string;
  /** the revision the build recorded: this checkout's */
  revision: string;
  /** the directory holding the copy and the tarball */
  dir: string;
}

/** version: packs the tree under another version (an upgrade to install over the first package) */
export function packWorkingTree(version?: string): Packed {
  const dir = mkdtempSync(join(tmpdir(), 'tsshim-pack-'));
  const copy = join(dir, 'src');
  mkdirSync(join(copy, 'bin'), { recursive: true });
  for (const path of SOURCES) cpSync(join(repoRoot, path), join(copy, path), { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
  if (version !== undefined) {
    const manifest = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(copy, 'package.json'), JSON.stringify({ ...manifest, version }, null, 2));
  }
  const out = join(dir, 'out');
  mkdirSync(out);
  // the copy has no .git: the build takes the checkout's revision from here
  const revision = gitRevision(repoRoot) ?? 'unknown';
  const res = spawnSync('npm', ['pack', '--pack-destination', out], {
    cwd: copy,
    env: shellEnv({ TSSHIM_BUILD_REVISION: revision }),
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (res.status !== 0) throw new Error(`npm pack failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
  const [name] = readdirSync(out).filter((f) => f.endsWith('.tgz'));
  if (!name) throw new Error(`npm pack made no tarball:\n${res.stdout}\n${res.stderr}`);
  return { tarball: join(out, name), revision, dir };
}

/** The paths in a tarball, without npm's package/ prefix. */
export function tarballFiles(tarball: string): string[] {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((p) => p.replace(/^package\//, ''));
}
