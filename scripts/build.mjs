// Builds what runs: the protobuf descriptor (from the .proto files), the shim's bundles (shim-bundle.mjs: one
// CommonJS file per action), the tsshim tool's (ES modules split in chunks, each command loading its own) and
// the launcher containerd runs, which names this build and its node by absolute path (write-launcher.mjs;
// TSSHIM_NODE picks another node), and dist/build-info.json, the version and revision -v reports (build-info.mjs).
import { renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { writeBuildInfo } from './build-info.mjs';
import { writeDescriptor } from './gen-descriptor.mjs';
import { buildShim } from './shim-bundle.mjs';
import { writeLauncher } from './write-launcher.mjs';

await writeDescriptor();
// Built beside dist and swapped in at the end: a shim or test starting meanwhile finds a whole build, and
// chunk names carry content hashes, so stale ones from the previous build do not pile up.
const next = `dist.next-${process.pid}`;
rmSync(next, { recursive: true, force: true });

await build({
  entryPoints: { tsshim: 'src/cli/main.ts' },
  outdir: next,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  banner: {
    js: [
      "import { createRequire as __tsshimCreateRequire } from 'node:module';",
      'const require = __tsshimCreateRequire(import.meta.url);',
    ].join('\n'),
  },
  minify: true,
  keepNames: false,
  legalComments: 'none',
  logLevel: 'warning',
});

// TSSHIM_BUILD_MINIFY=0 keeps names readable (CPU profiles of the shim)
await buildShim(next, { minify: process.env.TSSHIM_BUILD_MINIFY !== '0', loadDir: resolve('dist') });
writeBuildInfo(next);

const previous = `dist.previous-${process.pid}`;
try {
  renameSync('dist', previous);
} catch (err) {
  if (err.code !== 'ENOENT') throw err;
}
renameSync(next, 'dist');
rmSync(previous, { recursive: true, force: true });

try {
  writeLauncher();
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : err}\n`);
  process.exit(1);
}
