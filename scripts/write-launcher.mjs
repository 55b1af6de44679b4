// Writes bin/containerd-shim-tsshim-v2, the sh launcher containerd runs for every shim action, naming by absolute
// path the `node` it runs and the shim's code (dist/shim/main.cjs). containerd runs shims by any name and path
// (a symlink in PATH, a copy under another name, `ctr run --runtime /abs/path`) and with its own PATH, so the
// launcher can rely neither on where it sits nor on which `node` comes first in PATH.
//
//   node scripts/write-launcher.mjs [--node PATH] [--out PATH]
//
// The node is --node, else $TSSHIM_NODE, else the node running this script (the one `npm install` built the
// native addon with, and `npm run build` builds for). scripts/build.mjs and npm's install script run it.
import {
  accessSync,
  chmodSync,
  constants,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const defaultLauncherPath = join(repoRoot, 'bin', 'containerd-shim-tsshim-v2');
export const defaultMainPath = join(repoRoot, 'dist', 'shim', 'main.cjs');
/** the start client node-gyp builds beside the native addon (src/native/start-client.c) */
export const defaultStartClientPath = join(repoRoot, 'build', 'Release', 'tsshim_start');

/** A word sh takes literally, whatever the path holds (spaces, quotes, $, newlines). */
function shQuote(text) {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The launcher's text for one node and one shim entry, both absolute. */
export function launcherScript({ node, main, startClient = defaultStartClientPath, daemonFlags = [] }) {
  for (const [what, path] of [
    ['node', node],
    ['main', main],
    ['startClient', startClient],
  ]) {
    if (!isAbsolute(path)) throw new Error(`launcher: ${what} must be an absolute path, not ${path}`);
  }
  return `#!/bin/sh
# tsshim's entry point for every action containerd runs it for: start, delete, -info, -v (the daemon that start
# launches runs main.cjs directly). Written by scripts/write-launcher.mjs, which npm run build runs: the paths
# below are absolute so that containerd can run this file by any name, copied or linked anywhere, whatever its
# PATH holds; it does not look for its own location, which spares the processes that would take.
#
# containerd runs \`delete\` for every container once its shim's connection is gone. A daemon that deleted the
# container and shut down cleanly left the answer in the bundle (src/shim/delete-record.ts): it is printed
# here, with no Node process. Without a well-formed one (a daemon that was killed) the Node action cleans up.
tsshim_prev= tsshim_last= tsshim_bundle=
for tsshim_arg in "$@"; do
  case $tsshim_prev in -bundle | --bundle) tsshim_bundle=$tsshim_arg ;; esac
  case $tsshim_arg in -bundle=* | --bundle=*) tsshim_bundle=\${tsshim_arg#*=} ;; esac
  tsshim_prev=$tsshim_arg
  tsshim_last=$tsshim_arg
done
if [ "\${TSSHIM_DELETE_RECORD:-1}" != 0 ] && [ "$tsshim_last" = delete ] &&
  IFS= read -r tsshim_record 2>/dev/null <"\${tsshim_bundle:-$PWD}/shim-delete-response"; then
  case $tsshim_record in
  'tsshim-delete-response v1 '?*)
    tsshim_body=\${tsshim_record#'tsshim-delete-response v1 '}
    tsshim_rest=$tsshim_body
    while [ -n "$tsshim_rest" ]; do
      case $tsshim_rest in
      \\\\[0-3][0-7][0-7]*) tsshim_rest=\${tsshim_rest#????} ;;
      *) break ;;
      esac
    done
    if [ -z "$tsshim_rest" ]; then
      printf "$tsshim_body"
      exit 0
    fi
    ;;
  esac
fi
# Node.js parses the whole NODE_EXTRA_CA_CERTS bundle while it starts (in every shim process that runs Node) and
# applies NODE_OPTIONS; both are meant for other programs. The shim runs without them. Its one
# TLS client, the OTLP exporter, reads the CA file from TSSHIM_NODE_EXTRA_CA_CERTS when it connects.
if [ -n "\${NODE_EXTRA_CA_CERTS:-}" ]; then
  TSSHIM_NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS
  export TSSHIM_NODE_EXTRA_CA_CERTS
fi
unset NODE_EXTRA_CA_CERTS NODE_OPTIONS
# the name containerd ran us by, for -v and the daemon's process title
TSSHIM_ARGV0=$0
export TSSHIM_ARGV0
# \`start\` with this containerd's spare daemon running: the start client (src/native/start-client.c) has the spare
# do it, with no Node process here; with no spare (or TSSHIM_SPARE=0) it is the Node action below, which
# TSSHIM_START_CLIENT=0 always takes.
if [ "$tsshim_last" = start ] && [ "\${TSSHIM_SPARE:-1}" != 0 ] && [ "\${TSSHIM_START_CLIENT:-1}" != 0 ] && [ -x ${shQuote(startClient)} ]; then
  exec ${shQuote(startClient)} ${shQuote(node)} ${shQuote(main)} ${[daemonFlags.length, ...daemonFlags].map((w) => shQuote(String(w))).join(' ')} "$@"
fi
exec ${shQuote(node)} ${shQuote(main)} "$@"
`;
}

/** The node the launcher runs: an absolute path to an executable Node.js 20 or later. A node other than the one
 *  running this script is asked for its version, and for its module ABI: the native addon loads only in a node
 *  of the ABI it was built for. */
export function resolveNode(requested) {
  if (!requested) return process.execPath;
  const node = resolve(requested);
  try {
    accessSync(node, constants.X_OK);
  } catch {
    throw new Error(
      `launcher: ${requested} is not an executable file (TSSHIM_NODE or --node names the node)`,
    );
  }
  if (node === process.execPath) return node;
  const probe = spawnSync(node, ['-p', 'process.versions.node + " " + process.versions.modules'], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const [version = '', modules = ''] = (probe.stdout ?? '').trim().split(' ');
  if (probe.status !== 0 || !/^\d+\./.test(version)) {
    throw new Error(`launcher: ${node} does not run as Node.js: ${(probe.stderr ?? '').trim()}`);
  }
  if (Number(version.split('.')[0]) < 20)
    throw new Error(`launcher: ${node} is Node.js ${version}; tsshim needs 20 or later`);
  if (modules !== process.versions.modules) {
    process.stderr.write(
      `launcher: warning: ${node} (Node.js ${version}, module ABI ${modules}) differs from ${process.execPath} ` +
        `(ABI ${process.versions.modules}); build the native addon with it too (npm ci with it first in PATH)\n`,
    );
  }
  return node;
}

/** The node flags the daemon runs under, as the build recorded them beside the bundles (none before a build). */
export function builtDaemonFlags(main) {
  try {
    const flags = JSON.parse(readFileSync(join(dirname(main), 'code-caches.json'), 'utf8')).daemon;
    return Array.isArray(flags) && flags.every((f) => typeof f === 'string') ? flags : [];
  } catch {
    return [];
  }
}

/** Writes the launcher (atomically: a shim may be running the old one, and sh reads its script as it goes). */
export function writeLauncher({ node, main = defaultMainPath, out = defaultLauncherPath } = {}) {
  const text = launcherScript({
    node: resolveNode(node ?? process.env.TSSHIM_NODE),
    main: resolve(main),
    daemonFlags: builtDaemonFlags(resolve(main)),
  });
  const target = resolve(out);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o755 });
    chmodSync(tmp, 0o755); // the umask may have taken bits off
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return target;
}

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`launcher: ${flag} needs a path`);
      return v;
    };
    if (flag === '--node') opts.node = value();
    else if (flag === '--out') opts.out = value();
    else
      throw new Error(
        `launcher: unknown argument ${arg} (usage: write-launcher.mjs [--node PATH] [--out PATH])`,
      );
  }
  return opts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    writeLauncher(parseArgs(process.argv.slice(2)));
    // npm's install script runs before any build: the path is right, the file comes with npm run build
    if (!existsSync(defaultMainPath))
      process.stderr.write(`launcher: ${defaultMainPath} is made by npm run build\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : err}\n`);
    process.exit(1);
  }
}
