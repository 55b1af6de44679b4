// The tsshim builds under test, copied or built into one temp package so that a rebuild of dist/ while the
// bench runs (others work in the same checkout) cannot change what is measured: tsshim as built (a copy of
// dist/), and variants for levers decided at build time. src/ and dist/ are left alone.
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildShim } from '../../scripts/shim-bundle.mjs';
import { writeLauncher } from '../../scripts/write-launcher.mjs';

export type BuildName = 'as-built' | 'onefile' | 'external-deps' | 'no-pino';

export interface Builds {
  /** the shim entry script of a build: what containerd runs as containerd-shim-runc-v2 */
  binary(name: BuildName): string;
  /** its dist/ directory (shim/main.cjs and one bundle per action beside it) */
  distDir(name: BuildName): string;
  remove(): void;
}

/** a launcher for this build's own dist, as <build>/bin/containerd-shim-runc-v2 */
function writeBin(buildDir: string): void {
  const bin = join(buildDir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeLauncher({
    main: join(buildDir, 'dist', 'shim', 'main.cjs'),
    out: join(bin, 'containerd-shim-runc-v2'),
  });
}

async function buildVariant(
  repoRoot: string,
  buildDir: string,
  name: Exclude<BuildName, 'as-built'>,
): Promise<void> {
  const cwd = process.cwd();
  process.chdir(repoRoot); // shim-bundle.mjs names its entry points relative to the repository
  try {
    // onefile: every action in one file, so `start` reads and parses the daemon's code too
    // external-deps: protobufjs and execa load from node_modules as module trees
    // no-pino: the shim's logger writes through a stand-in that does what it asks of pino, without pino
    await buildShim(join(buildDir, 'dist'), {
      onefile: name === 'onefile',
      externalDeps: name === 'external-deps',
      ...(name === 'no-pino' ? { alias: { pino: './bench/lib/pino-stand-in.cjs' } } : {}),
    });
  } finally {
    process.chdir(cwd);
  }
  writeBin(buildDir);
}

export async function prepareBuilds(repoRoot: string, variants: boolean): Promise<Builds> {
  const dir = mkdtempSync(join(tmpdir(), 'tsshim-bench-'));
  try {
    // The native addon is found by walking up to binding.gyp; bare imports resolve through node_modules.
    copyFileSync(join(repoRoot, 'binding.gyp'), join(dir, 'binding.gyp'));
    copyFileSync(join(repoRoot, 'package.json'), join(dir, 'package.json'));
    mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
    const addon = join(repoRoot, 'build', 'Release', 'tsshim_native.node');
    if (!existsSync(addon)) throw new Error(`${addon} is missing: run npm install`);
    copyFileSync(addon, join(dir, 'build', 'Release', 'tsshim_native.node'));
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
    const dist = join(repoRoot, 'dist');
    if (!existsSync(join(dist, 'shim', 'main.cjs')))
      throw new Error(`${dist}/shim/main.cjs is missing: run npm run build`);
    cpSync(dist, join(dir, 'as-built', 'dist'), { recursive: true });
    writeBin(join(dir, 'as-built'));
    if (variants) {
      await buildVariant(repoRoot, join(dir, 'onefile'), 'onefile');
      await buildVariant(repoRoot, join(dir, 'external-deps'), 'external-deps');
      await buildVariant(repoRoot, join(dir, 'no-pino'), 'no-pino');
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    binary: (name) => join(dir, name, 'bin', 'containerd-shim-runc-v2'),
    distDir: (name) => join(dir, name, 'dist'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
