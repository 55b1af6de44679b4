// The checks of `tsshim doctor`, each one thing the shim needs from this host, with the fix when it is missing.
// Levels: error (containers cannot run through the shim, or not as configured), warning (they run, but something
// is lost or slower), ok.
import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tracingFromEnv } from '../../otel/config.ts';
import { lookPath, run } from '../../spawn/index.ts';

export type Level = 'ok' | 'warning' | 'error';

export interface Check {
  name: string;
  level: Level;
  message: string;
  /** what to do about a warning or an error */
  fix?: string;
}

export const SHIM_BINARY_NAME = 'containerd-shim-tsshim-v2';
export const RUNTIME_TYPE = 'io.containerd.tsshim.v2';
const MIN_NODE_MAJOR = 20;
/** the longest path a unix socket can be bound at (sun_path holds 108 bytes with the terminating NUL) */
const MAX_SOCKET_PATH = 107;
const PROBE_TIMEOUT_MS = 15_000;

/** The launcher's environment for the node it runs: none of NODE_OPTIONS, as the launcher itself does. */
function nodeEnv(): Record<string, string | undefined> {
  return { ...process.env, NODE_OPTIONS: undefined, NODE_EXTRA_CA_CERTS: undefined };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** The words of an sh command line made of single-quoted words (what write-launcher.mjs writes). */
export function shWords(line: string): string[] | undefined {
  const words: string[] = [];
  const word = /'((?:[^']|'\\'')*)'/y;
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    word.lastIndex = i;
    const m = word.exec(line);
    if (!m) return undefined;
    words.push(m[1]!.replace(/'\\''/g, "'"));
    i = word.lastIndex;
  }
  return words;
}

export interface Launcher {
  /** the node it runs */
  node: string;
  /** the shim code it runs (dist/shim/main.cjs) */
  main: string;
  /** the package directory main.cjs belongs to */
  root: string;
}

/** The node and code a launcher names, from its exec line. */
export function parseLauncher(text: string): Launcher | undefined {
  const line = text.split('\n').find((l) => l.startsWith('exec ') && l.endsWith(' "$@"'));
  const words = line && shWords(line.slice('exec '.length, -' "$@"'.length));
  if (!words || words.length !== 2) return undefined;
  const [node, main] = words as [string, string];
  return { node, main, root: dirname(dirname(dirname(main))) };
}

export function checkLauncher(path: string): { check: Check; launcher?: Launcher } {
  const name = 'launcher';
  const rewrite = `rewrite it: node ${join(dirname(dirname(path)), 'scripts', 'write-launcher.mjs')} (npm rebuild -g tsshim runs it too)`;
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return {
      check: {
        name,
        level: 'error',
        message: `cannot read ${path}: ${(err as Error).message}`,
        fix: 'install the package (npm install -g tsshim-<version>.tgz), or npm run build in a checkout',
      },
    };
  }
  const launcher = parseLauncher(text);
  if (!launcher)
    return {
      check: { name, level: 'error', message: `${path} is not tsshim's launcher`, fix: rewrite },
    };
  for (const [what, file] of [
    ['node', launcher.node],
    ['shim code', launcher.main],
  ] as const) {
    if (!existsSync(file))
      return {
        check: {
          name,
          level: 'error',
          message: `${path} names ${what} ${file}, which does not exist (moved or uninstalled?)`,
          fix: rewrite,
        },
        launcher,
      };
  }
  return {
    check: { name, level: 'ok', message: `${path} runs ${launcher.main} with ${launcher.node}` },
    launcher,
  };
}

/** The version of the node that runs the shim. */
export async function checkNode(node: string): Promise<Check> {
  const name = 'node';
  const res = await run(node, ['-p', 'process.versions.node'], {
    env: nodeEnv(),
    timeoutMs: PROBE_TIMEOUT_MS,
  }).catch((err: Error) => ({ exitCode: -1, stdout: '', stderr: err.message }));
  const version = res.stdout.trim();
  if (res.exitCode !== 0 || !/^\d+\./.test(version))
    return {
      name,
      level: 'error',
      message: `${node} does not run: ${firstLine(res.stderr)}`,
      fix: 'install Node.js 20 or later and reinstall the package with it',
    };
  if (Number(version.split('.')[0]) < MIN_NODE_MAJOR)
    return {
      name,
      level: 'error',
      message: `${node} is Node.js ${version}; tsshim needs ${MIN_NODE_MAJOR} or later`,
      fix: `install Node.js ${MIN_NODE_MAJOR} or later and reinstall the package with it first in PATH`,
    };
  return { name, level: 'ok', message: `Node.js ${version} (${node})` };
}

export function addonPath(root: string): string {
  return join(root, 'build', 'Release', 'tsshim_native.node');
}

/** The native addon loads in the node that runs the shim (it is built for one Node.js ABI). */
export async function checkAddon(node: string, root: string): Promise<Check> {
  const name = 'native addon';
  const addon = addonPath(root);
  const fix =
    'build it for this node: npm rebuild -g tsshim (needs make, g++ and python3), or npm run install in a checkout';
  if (!existsSync(addon)) return { name, level: 'error', message: `${addon} is not built`, fix };
  const res = await run(node, ['-e', 'require(process.argv[1])', addon], {
    env: nodeEnv(),
    timeoutMs: PROBE_TIMEOUT_MS,
  }).catch((err: Error) => ({ exitCode: -1, stdout: '', stderr: err.message }));
  if (res.exitCode !== 0) {
    const reason = res.stderr.split('\n').find((l) => /^Error/.test(l)) ?? firstLine(res.stderr);
    return { name, level: 'error', message: `${addon} does not load in ${node}: ${reason}`, fix };
  }
  return { name, level: 'ok', message: `${addon} loads` };
}

export function startClientPath(root: string): string {
  return join(root, 'build', 'Release', 'tsshim_start');
}

/** The start client, built beside the addon, lets containerd's `start` reach a pre-booted daemon without
 *  starting Node.js; without it every start runs the Node action (correct, but slower and more CPU). */
export function checkStartClient(root: string): Check {
  const name = 'start client';
  const client = startClientPath(root);
  try {
    accessSync(client, constants.X_OK);
  } catch {
    return {
      name,
      level: 'warning',
      message: `${client} is not built: every container start runs Node.js for the start action`,
      fix: 'build it with the addon: npm rebuild -g tsshim (needs make, g++ and python3), or npm run install in a checkout',
    };
  }
  return { name, level: 'ok', message: `${client} hands starts to the pre-booted daemon` };
}

/** Compiles a bundle with its cache without running it, and says whether V8 took the cache. */
const CACHE_PROBE = [
  "const { Script } = require('node:vm');",
  "const { wrap } = require('node:module');",
  "const { readFileSync } = require('node:fs');",
  'const file = process.argv[1];',
  'let cachedData;',
  "try { cachedData = readFileSync(file + '.cache'); } catch { console.log('missing'); process.exit(0); }",
  "const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });",
  "console.log(script.cachedDataRejected ? 'rejected' : 'accepted');",
].join('\n');

/** The V8 code caches of the shim's bundles are usable by the node that runs it (made for it at install). */
export async function checkCodeCaches(node: string, root: string): Promise<Check> {
  const name = 'code caches';
  const dir = join(root, 'dist', 'shim');
  let bundles: Record<string, string[]>;
  try {
    bundles = JSON.parse(readFileSync(join(dir, 'code-caches.json'), 'utf8')) as Record<string, string[]>;
  } catch (err) {
    return {
      name,
      level: 'warning',
      message: `no list of code caches in ${dir}: ${(err as Error).message}`,
      fix: 'reinstall the package, or npm run build in a checkout',
    };
  }
  const unusable: string[] = [];
  for (const [bundle, flags] of Object.entries(bundles)) {
    const res = await run(node, [...flags, '-e', CACHE_PROBE, join(dir, `${bundle}.cjs`)], {
      env: nodeEnv(),
      timeoutMs: PROBE_TIMEOUT_MS,
    }).catch((err: Error) => ({ exitCode: -1, stdout: '', stderr: err.message }));
    const answer = res.stdout.trim();
    if (res.exitCode !== 0 || answer !== 'accepted') unusable.push(`${bundle} (${answer || 'failed'})`);
  }
  if (unusable.length > 0)
    return {
      name,
      level: 'warning',
      message: `${node} refuses the code caches of ${unusable.join(', ')}: each shim compiles that code as it starts (slower container starts)`,
      fix: 'make them for this node: npm rebuild -g tsshim, or npm run build in a checkout',
    };
  return { name, level: 'ok', message: `${Object.keys(bundles).join(', ')}: made for ${node}` };
}

export interface RuntimeFeatures {
  ociVersionMin?: string;
  ociVersionMax?: string;
  linux?: { seccomp?: { enabled?: boolean } };
  annotations?: Record<string, string>;
}

/** The runc-compatible runtime the shim will run, as containerd's PATH finds it, its version and features. */
export async function checkRuntime(
  binary: string,
  pathVar: string | undefined,
  where: string,
): Promise<{ check: Check; features?: RuntimeFeatures }> {
  const name = 'runtime';
  const found = lookPath(binary, pathVar);
  if (!found)
    return {
      check: {
        name,
        level: 'error',
        message: `${binary} is not found in ${where}'s PATH (${pathVar ?? ''}): every container fails with exec: "${binary}": executable file not found in $PATH`,
        fix:
          binary === 'runc'
            ? 'apt-get install runc, or name another runtime with the runtime option BinaryName'
            : `install ${binary} in a directory of that PATH, or name it by absolute path (BinaryName)`,
      },
    };
  const version = await run(found, ['--version'], { timeoutMs: PROBE_TIMEOUT_MS }).catch((err: Error) => ({
    exitCode: -1,
    stdout: '',
    stderr: err.message,
  }));
  if (version.exitCode !== 0)
    return {
      check: {
        name,
        level: 'error',
        message: `${found} --version fails: ${firstLine(version.stderr)}`,
        fix: `reinstall ${binary}`,
      },
    };
  const label = `${firstLine(version.stdout)} (${found})`;
  const res = await run(found, ['features'], { timeoutMs: PROBE_TIMEOUT_MS }).catch((err: Error) => ({
    exitCode: -1,
    stdout: '',
    stderr: err.message,
  }));
  let features: RuntimeFeatures | undefined;
  try {
    if (res.exitCode === 0) features = JSON.parse(res.stdout) as RuntimeFeatures;
  } catch {
    features = undefined;
  }
  if (!features)
    return {
      check: {
        name,
        level: 'warning',
        message: `${label} has no \`features\` command: containerd cannot learn what it supports (recursive read-only mounts are refused)`,
        fix: 'runc 1.1 or later',
      },
    };
  const oci = features.ociVersionMax
    ? `, OCI ${features.ociVersionMin ?? '?'} to ${features.ociVersionMax}`
    : '';
  return { check: { name, level: 'ok', message: `${label}${oci}` }, features };
}

/** seccomp in the kernel (the Seccomp line of /proc/self/status) and in the runtime (its features). */
export function checkSeccomp(procStatus: string | undefined, features: RuntimeFeatures | undefined): Check {
  const name = 'seccomp';
  if (procStatus !== undefined && !/^Seccomp:/m.test(procStatus))
    return {
      name,
      level: 'warning',
      message:
        'the kernel has no seccomp: containers given a profile (RuntimeDefault, ctr run --seccomp) fail to start',
      fix: 'a kernel built with CONFIG_SECCOMP and CONFIG_SECCOMP_FILTER',
    };
  const enabled = features?.linux?.seccomp?.enabled;
  if (enabled === false)
    return {
      name,
      level: 'warning',
      message:
        'the runtime was built without seccomp: containers given a profile (RuntimeDefault, ctr run --seccomp) fail to start',
      fix: 'a runc built with libseccomp (Debian: apt-get install runc)',
    };
  const lib = features?.annotations?.['io.github.seccomp.libseccomp.version'];
  return {
    name,
    level: 'ok',
    message:
      enabled === undefined
        ? 'the kernel supports it (the runtime does not say whether it does)'
        : `the kernel and the runtime support it${lib ? ` (libseccomp ${lib})` : ''}`,
  };
}

/** cgroup v2 (unified), v1 (hybrid or legacy), or none mounted. */
export function checkCgroups(root = '/sys/fs/cgroup'): Check {
  const name = 'cgroups';
  if (existsSync(join(root, 'cgroup.controllers')))
    return { name, level: 'ok', message: `v2 (unified) at ${root}` };
  const hybrid = existsSync(join(root, 'unified', 'cgroup.controllers'));
  if (hybrid || existsSync(join(root, 'memory')))
    return {
      name,
      level: 'warning',
      message: `v1 (${hybrid ? 'hybrid' : 'legacy'}) at ${root}: containers run, but containerd 2.x, runc and Kubernetes deprecate cgroup v1`,
      fix: 'boot with systemd.unified_cgroup_hierarchy=1 (cgroup v2)',
    };
  return {
    name,
    level: 'error',
    message: `no cgroup hierarchy is mounted at ${root}: runc cannot create containers`,
    fix: `mount -t cgroup2 none ${root}`,
  };
}

/** How `a.b.c` compares with `x.y.z`, numerically, part by part. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split(/[.+-]/).map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export interface DaemonFacts {
  address: string;
  version?: string;
  pid?: number;
  exe?: string;
  env?: Record<string, string>;
  error?: string;
}

export function checkContainerd(daemon: DaemonFacts): Check {
  const name = 'containerd';
  if (daemon.version === undefined)
    return {
      name,
      level: 'warning',
      message: `cannot reach containerd at ${daemon.address}: ${daemon.error ?? 'no answer'}; the checks below read this shell's environment instead of containerd's`,
      fix: 'start containerd (systemctl start containerd), or name its socket with --address',
    };
  const where = daemon.pid === undefined ? '' : `, pid ${daemon.pid}`;
  if (compareVersions(daemon.version, '1.6.0') < 0)
    return {
      name,
      level: 'error',
      message: `containerd ${daemon.version} at ${daemon.address}${where}: tsshim works with containerd 1.6 and later`,
      fix: 'upgrade containerd to 1.6 or later',
    };
  const env = daemon.env
    ? ''
    : ` (its environment is not readable: the checks below read this shell's instead)`;
  return { name, level: 'ok', message: `containerd ${daemon.version} at ${daemon.address}${where}${env}` };
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Whether containerd finds containerd-shim-tsshim-v2 for runtime io.containerd.tsshim.v2: in its PATH, else
 *  beside its own executable (where containerd looks next). */
export function checkShimOnPath(
  pathVar: string | undefined,
  containerdExe: string | undefined,
  ours: string,
  where: string,
): Check {
  const name = 'shim on PATH';
  const found =
    lookPath(SHIM_BINARY_NAME, pathVar) ??
    (containerdExe ? lookPath(join(dirname(containerdExe), SHIM_BINARY_NAME), undefined) : undefined);
  const link = `ln -s ${ours} /usr/local/bin/${SHIM_BINARY_NAME}`;
  if (!found)
    return {
      name,
      level: 'error',
      message: `${SHIM_BINARY_NAME} is not in ${where}'s PATH (${pathVar ?? ''}): containers of runtime ${RUNTIME_TYPE} fail to start with: runtime "${RUNTIME_TYPE}" binary not installed "${SHIM_BINARY_NAME}"`,
      fix: `${link}, or add ${dirname(ours)} to containerd's PATH (systemd: Environment=PATH=... in a drop-in for containerd.service)`,
    };
  if (realpathOrSelf(found) !== realpathOrSelf(ours))
    return {
      name,
      level: 'warning',
      message: `${where} finds ${found}, which is not this package's launcher (${ours}): another install of tsshim?`,
      fix: `remove the other one, or ${link} -f`,
    };
  return { name, level: 'ok', message: `${where} finds ${found} for runtime ${RUNTIME_TYPE}` };
}

/** The directory the shim binds its socket in can be written (and made), and a socket path in it fits. */
export function checkSocketDir(dir: string): Check {
  const name = 'socket directory';
  const length = join(dir, 'x'.repeat(64)).length;
  if (length > MAX_SOCKET_PATH)
    return {
      name,
      level: 'error',
      message: `${dir}: a shim socket path in it would be ${length} bytes, over the ${MAX_SOCKET_PATH} a unix socket allows`,
      fix: 'a shorter socket directory',
    };
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const made = existing === dir ? '' : ` (made at the first shim start, in ${existing})`;
  try {
    if (!statSync(existing).isDirectory()) throw new Error(`${existing} is not a directory`);
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (err) {
    return {
      name,
      level: 'error',
      message: `the shim cannot bind its socket in ${dir}: ${(err as Error).message}`,
      fix: `make ${dir} a directory root can write`,
    };
  }
  return { name, level: 'ok', message: `${dir} is writable${made}` };
}

/** Whether the shims export traces, by containerd's rule, from the environment they inherit. */
export function checkTracing(env: Record<string, string | undefined>, where: string): Check {
  const name = 'tracing';
  const decision = tracingFromEnv(env);
  if (decision.enabled)
    return {
      name,
      level: 'ok',
      message: `on: spans go to ${decision.endpoint} over OTLP ${decision.protocol}`,
    };
  if (decision.reason === 'tracing endpoint not configured')
    return {
      name,
      level: 'ok',
      message: `off: no OTEL_EXPORTER_OTLP_ENDPOINT in ${where}'s environment (set it there to export spans)`,
    };
  if (/^tracing disabled by env OTEL_SDK_DISABLED/.test(decision.reason))
    return { name, level: 'ok', message: `off: ${decision.reason}` };
  return {
    name,
    level: 'warning',
    message: `off, although ${where}'s environment configures it: ${decision.reason}`,
    fix: "set the OTEL_* variables in containerd's environment as the OpenTelemetry SDK documents them (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf or grpc)",
  };
}
