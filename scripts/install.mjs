// npm's install script (`npm install -g ./tsshim-<version>.tgz`, and `npm ci` in a checkout): makes what depends
// on the machine and the node that runs npm, in the package's own directory:
//   1. the native addon, built by node-gyp against this node's headers;
//   2. bin/containerd-shim-tsshim-v2, the launcher, naming this node and this directory's dist/shim/main.cjs by
//      absolute path (the one in the package names the machine that packed it);
//   3. the V8 code caches of the shim's bundles, for this node (the package's were made by the packing node,
//      and V8 refuses a cache made by another version: the shim would then compile its bundles at every start).
//
// node-gyp is given this node's own headers when they are installed beside it (<prefix>/include/node, as Debian's
// and NodeSource's nodejs packages and the nodejs.org tarballs install them), so the build downloads nothing;
// npm_config_nodedir, when set, wins. It needs make, a C/C++ compiler (g++) and python3.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLauncher } from './write-launcher.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function fail(message) {
  process.stderr.write(`tsshim install: ${message}\n`);
  process.exit(1);
}

/** The directory node-gyp should take headers from, or undefined to let it decide (it downloads them). */
export function localNodeDir(execPath = process.execPath, env = process.env) {
  if (env.npm_config_nodedir) return undefined; // node-gyp reads it itself
  const prefix = dirname(dirname(execPath));
  return existsSync(join(prefix, 'include', 'node', 'common.gypi')) ? prefix : undefined;
}

function buildAddon() {
  const nodedir = localNodeDir();
  const args = ['rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  // npm puts its own node-gyp first in PATH for install scripts
  const res = spawnSync('node-gyp', args, { cwd: root, stdio: 'inherit' });
  if (res.error) fail(`cannot run node-gyp: ${res.error.message} (npm runs this script with its node-gyp)`);
  if (res.status !== 0)
    fail(
      'building the native addon failed: it needs make, g++ and python3 (apt-get install make g++ python3)' +
        (nodedir ? '' : ', and node headers (none beside this node: node-gyp tried to download them)'),
    );
}

function remakeCodeCaches() {
  const dir = join(root, 'dist', 'shim');
  const manifest = join(dir, 'code-caches.json');
  // a checkout before its first build: npm run build makes the caches
  if (!existsSync(manifest)) return;
  const bundles = JSON.parse(readFileSync(manifest, 'utf8'));
  for (const [name, flags] of Object.entries(bundles)) {
    const bundle = join(dir, `${name}.cjs`);
    const res = spawnSync(process.execPath, [...flags, join(root, 'scripts', 'code-cache.cjs'), bundle], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    if (res.status !== 0) {
      // a stale cache only costs time (V8 refuses it), but an absent one costs no read either
      rmSync(`${bundle}.cache`, { force: true });
      process.stderr.write(
        `tsshim install: warning: no code cache for ${name}.cjs (the shim compiles it at each start): ${res.stderr.trim()}\n`,
      );
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // npm only warns about package.json's engines; the shim would fail at its first start instead
  if (Number(process.versions.node.split('.')[0]) < 20)
    fail(`tsshim needs Node.js 20 or later; npm runs ${process.execPath}, Node.js ${process.version}`);
  buildAddon();
  try {
    writeLauncher();
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  remakeCodeCaches();
}
