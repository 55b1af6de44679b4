// The shim as CommonJS bundles, one file per action, so each process reads only what it runs: `start`,
// `delete` and `-info` (one-shot, one per container) none of the daemon's code, the daemon none of theirs.
// CommonJS rather than ESM: Node's ES module loader costs every process ~15 ms of start-up and ~0.5 MiB of
// private memory (bench/README.md), and esbuild splits shared chunks only for ESM, hence one whole bundle per
// action (shared code is repeated on disk, not in memory: a process loads one action).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';

/** Each module a dynamic import() loads lazily is a bundle of its own: the actions src/shim/main.ts picks from,
 *  the OpenTelemetry SDK (only when tracing is on) and the execa runner (only with TSSHIM_RUNNER=execa). */
const lazyBundles = {
  start: 'src/shim/actions/start.ts',
  delete: 'src/shim/actions/delete.ts',
  info: 'src/shim/actions/info.ts',
  daemon: 'src/shim/daemon.ts',
  'otel-sdk': 'src/otel/sdk.ts',
  'spawn-execa': 'src/spawn/execa.ts',
};
const bundleByPath = new Map(Object.entries(lazyBundles).map(([name, path]) => [resolve(path), name]));

const daemonFlags = JSON.parse(readFileSync('src/shim/boot/daemon-flags.json', 'utf8'));

/** Bundles main.cjs loads with their V8 code cache (src/shim/boot/bundle-loader.ts), and the node flags each runs
 *  under, which the cache must be made with: start and delete run as `node main.cjs`, the daemon and the execa
 *  runner it loads under src/shim/boot/daemon-flags.json. -info is rare and the SDK only for tracing: plain require
 *  for those. */
const cachedBundles = {
  start: [],
  delete: [],
  daemon: daemonFlags.node,
  'spawn-execa': daemonFlags.node,
};

/** import() of one of the lazy modules becomes a require of its sibling bundle: through the code-cache loader
 *  for the cached ones, a plain require('./<name>.cjs') for the others */
const lazyAsSiblings = {
  name: 'tsshim-lazy-bundles',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      // a package's own import() (of its platform variants, say) stays inside the bundle that needs it
      if (args.kind !== 'dynamic-import' || args.importer.includes('/node_modules/')) return undefined;
      const name = bundleByPath.get(resolve(args.resolveDir, args.path));
      if (name === undefined)
        throw new Error(
          `${args.importer}: import(${args.path}) is not one of shim-bundle.mjs's lazy bundles`,
        );
      if (name in cachedBundles) return { path: name, namespace: 'tsshim-cached-bundle' };
      return { path: `./${name}.cjs`, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: 'tsshim-cached-bundle' }, (args) => ({
      contents: [
        `const { loadBundle } = require(${JSON.stringify(resolve('src/shim/boot/bundle-loader.ts'))});`,
        `module.exports = loadBundle(__dirname, ${JSON.stringify(args.path)}).exports;`,
      ].join('\n'),
      loader: 'js',
      resolveDir: resolve('.'),
    }));
  },
};

/** <bundle>.cjs.cache for each cached bundle, made by a node running under that bundle's flags, and
 *  code-caches.json, the same list, from which an installed package makes them again for the node it is
 *  installed with (scripts/install.mjs): V8 refuses a cache made by another Node.js version. */
function writeCodeCaches(dir, loadDir = dir) {
  writeFileSync(`${dir}/code-caches.json`, `${JSON.stringify(cachedBundles)}\n`);
  for (const [name, flags] of Object.entries(cachedBundles)) {
    // the cache keeps the file name it was made under, which stacks then show: make it under the final one
    const loadAs = resolve(loadDir, `${name}.cjs`);
    execFileSync(process.execPath, [...flags, 'scripts/code-cache.cjs', `${dir}/${name}.cjs`, loadAs], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }
}

/** A map names its sources relative to itself; relative to the repository instead (src/shim/daemon.ts), a crash's
 *  stack reads the same wherever the build went (dist/, a bench's copy, an installed package). */
function sourcesFromRepo(dir) {
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.cjs.map'))) {
    const map = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    map.sources = map.sources.map((s) => relative(process.cwd(), resolve(dir, s)));
    writeFileSync(join(dir, name), JSON.stringify(map));
  }
}

/**
 * Builds <outdir>/shim/main.cjs (the entry bin/containerd-shim-tsshim-v2 requires) and one bundle per action.
 * @param {string} outdir
 * @param {{ onefile?: boolean, externalDeps?: boolean, minify?: boolean, alias?: Record<string, string>, loadDir?: string }} [variant]
 *   onefile: every action inside main.cjs (so `start` parses the daemon's code too; a bench lever);
 *   externalDeps: npm packages load from node_modules as module trees (a bench lever);
 *   alias: packages built from another file (a bench lever: pino replaced by a stand-in)
 *   loadDir: where outdir will be loaded from (a build made beside dist and moved there)
 */
export async function buildShim(outdir, variant = {}) {
  const { onefile = false, externalDeps = false, minify = true, alias } = variant;
  await build({
    entryPoints: onefile ? { main: 'src/shim/main.ts' } : { main: 'src/shim/main.ts', ...lazyBundles },
    outdir: `${outdir}/shim`,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // import() of a sibling bundle or a lazily needed module becomes a plain require: no ES module loader
    supported: { 'dynamic-import': false },
    plugins: onefile ? [] : [lazyAsSiblings],
    packages: externalDeps ? 'external' : undefined,
    alias,
    define: { 'import.meta.url': '__tsshimModuleUrl' },
    banner: { js: "var __tsshimModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
    minify,
    // <bundle>.cjs.map beside each bundle, with no sourceMappingURL comment: the daemon reads a map only to log
    // a crash's stack (src/shim/crash/source-map.ts). Lines, not the sources themselves, which are in the repo.
    sourcemap: 'external',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  sourcesFromRepo(`${outdir}/shim`);
  if (!onefile) writeCodeCaches(`${outdir}/shim`, variant.loadDir && `${variant.loadDir}/shim`);
}
