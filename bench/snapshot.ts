// `npm run bench:snapshot` (as root): would a V8 startup snapshot (node --build-snapshot, run with
// --snapshot-blob) start the shim's processes faster than the V8 code caches the build makes today? Node.js 20
// builds a snapshot from an entry script that may require only built-in modules; the shim's bundles need
// nothing else at load time (the native addon loads on first use, after deserialization).
//
// For `start` (on a pod whose shim already runs: the whole action, no daemon started) and for the daemon (load its
// code, then exit; what a spare does before it waits), each variant runs in fresh processes, interleaved; the
// figures are the median wall time and the median CPU time (utime + stime from a cpuacct group of its own). The
// memory of a daemon loaded each way, then idle after the reduction a quiet shim runs, is read from smaps_rollup:
// what a deserialized heap and its blob leave in a long-lived process, where Node's own built-in snapshot is part
// of the node binary's shared text.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { DEFAULT_DAEMON_NODE_FLAGS } from '../src/shim/boot/daemon-flags.ts';
import { socketAddress, socketPath } from '../src/contract/shim-address.ts';
import { prepareBuilds } from './lib/builds.ts';
import { CpuGroup, cpuacctAvailable, timeInGroup } from './lib/cpuacct.ts';
import { sleep } from './lib/ctr.ts';
import { readMemory } from './lib/smaps.ts';
import { median } from './lib/stats.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.env.ROUNDS ?? 40);

/** snapshot entries: at build time they load what the action needs; the deserialized main runs the action */
const entries = {
  start: `
    import v8 from 'node:v8';
    import { parseFlags } from '${repo}/src/shim/flags.ts';
    import { startAction, startNextSpare } from '${repo}/src/shim/actions/start.ts';
    v8.startupSnapshot.setDeserializeMainFunction(() => {
      const flags = parseFlags(process.argv.slice(2));
      startAction(flags, process.argv[1]).then(({ answer, newSandbox }) => {
        process.stdout.write(answer, () => {
          if (newSandbox) startNextSpare(flags, process.argv[1]);
          process.exit(0);
        });
      }, (err) => { process.stderr.write(String(err)); process.exit(1); });
    });`,
  daemon: `
    import v8 from 'node:v8';
    import { parseFlags } from '${repo}/src/shim/flags.ts';
    import * as daemon from '${repo}/src/shim/daemon.ts';
    import { native } from '${repo}/src/native/index.ts';
    v8.startupSnapshot.setDeserializeMainFunction(() => {
      if (process.env.TSSHIM_SNAPSHOT_EXIT === '1') process.exit(0);
      if (process.env.TSSHIM_SNAPSHOT_IDLE === '1') {
        native().reduceMemory();
        setInterval(() => undefined, 1 << 30);
        return;
      }
      const flags = parseFlags(process.argv.slice(2));
      process.title = 'tsshim-snapshot spare -address ' + flags.address;
      void daemon.spare.waitForSandbox({
        name: daemon.spare.spareName(flags.address, 'snapshot\\0' + daemon.spare.buildIdentity(process.argv[1])),
        containerdAddress: flags.address,
      });
    });`,
};

/** what main.cjs does for the daemon up to waiting for a sandbox, then exits: its bundle through its code cache */
const loadDaemonWithCache = (dir: string): string => `
  const { readFileSync } = require('node:fs');
  const Module = require('node:module');
  const { Script } = require('node:vm');
  const file = ${JSON.stringify(join(dir, 'daemon.cjs'))};
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData: readFileSync(file + '.cache') });
  const m = { exports: {} };
  script.runInThisContext().call(m.exports, m.exports, Module.createRequire(file), m, file, ${JSON.stringify(dir)});
  if (script.cachedDataRejected) { process.stderr.write('code cache refused\\n'); process.exit(3); }
  if (process.env.TSSHIM_SNAPSHOT_IDLE !== '1') process.exit(0);
  require(process.env.TSSHIM_SNAPSHOT_ADDON).reduceMemory();
  setInterval(() => undefined, 1 << 30);`;

async function buildBlob(shimDir: string, name: keyof typeof entries, nodeFlags: string[]): Promise<string> {
  const entry = join(shimDir, `snapshot-${name}.ts`);
  const bundle = join(shimDir, `snapshot-${name}.cjs`);
  writeFileSync(entry, entries[name]);
  await build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    supported: { 'dynamic-import': false },
    define: { 'import.meta.url': '__tsshimModuleUrl' },
    banner: { js: "var __tsshimModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'error',
  });
  const blob = join(shimDir, `${name}.blob`);
  execFileSync(process.execPath, [...nodeFlags, '--snapshot-blob', blob, '--build-snapshot', bundle], {
    cwd: shimDir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return blob;
}

/** the shim runs without these (its launcher removes them) */
function shimEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_OPTIONS;
  return env;
}

interface Variant {
  label: string;
  args: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
}

async function measure(
  group: CpuGroup,
  variants: Variant[],
): Promise<{ label: string; wall: number; cpu: number }[]> {
  const wall = variants.map((): number[] => []);
  const cpu = variants.map((): number[] => []);
  for (let r = -2; r < rounds; r++) {
    for (let i = 0; i < variants.length; i++) {
      const k = (i + Math.max(r, 0)) % variants.length;
      const v = variants[k]!;
      const t = await timeInGroup(group, process.execPath, v.args, { cwd: v.cwd, env: v.env });
      if (r >= 0) {
        wall[k]!.push(t.wallMs);
        cpu[k]!.push(t.cpuMs);
      }
    }
  }
  return variants.map((v, k) => ({ label: v.label, wall: median(wall[k]!), cpu: median(cpu[k]!) }));
}

/** private and PSS of a daemon that loaded its code and ran the reduction a quiet shim runs, once settled */
async function idleMemory(args: string[], env: NodeJS.ProcessEnv): Promise<{ private: number; pss: number }> {
  const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
  try {
    await sleep(5_000);
    const m = readMemory(child.pid!);
    return { private: m.private, pss: m.pss };
  } finally {
    child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  if (!cpuacctAvailable()) throw new Error('needs a cgroup v1 cpuacct hierarchy (run as root)');
  const builds = await prepareBuilds(repo, false);
  const work = mkdtempSync(join(tmpdir(), 'tsshim-snapshot-'));
  const group = new CpuGroup(`tsshimbench-${process.pid}-snapshot`);
  const listener = net.createServer((c) => c.on('error', () => undefined).resume());
  try {
    const shimDir = join(builds.distDir('as-built'), 'shim');
    const main = join(shimDir, 'main.cjs');
    const daemonFlags = [...DEFAULT_DAEMON_NODE_FLAGS];
    const startBlob = await buildBlob(shimDir, 'start', []);
    const daemonBlob = await buildBlob(shimDir, 'daemon', daemonFlags);
    const loader = join(shimDir, 'load-daemon.cjs');
    writeFileSync(loader, loadDaemonWithCache(shimDir));

    // a pod whose shim runs: a socket at the group's address that accepts, and a bundle naming that group
    const containerd = join(work, 'containerd.sock');
    writeFileSync(containerd, ''); // a spare exits once this is gone
    const bundle = join(work, 'bundle');
    mkdirSync(bundle);
    writeFileSync(
      join(bundle, 'config.json'),
      JSON.stringify({ ociVersion: '1.0.2', annotations: { 'io.kubernetes.cri.sandbox-id': 'pod' } }),
    );
    const socket = socketPath(socketAddress(containerd, 'snapshot', 'pod'));
    rmSync(socket, { force: true });
    await new Promise<void>((ok) => listener.listen(socket, ok));
    const startArgs = ['-namespace', 'snapshot', '-id', 'app', '-address', containerd, 'start'];

    const start = await measure(group, [
      { label: '`start`, code cache (as built)', args: [main, ...startArgs], cwd: bundle, env: shimEnv() },
      {
        label: '`start`, startup snapshot',
        args: ['--snapshot-blob', startBlob, main, ...startArgs],
        cwd: bundle,
        env: shimEnv(),
      },
    ]);
    const daemon = await measure(group, [
      { label: 'daemon load, code cache (as built)', args: [...daemonFlags, loader], env: shimEnv() },
      {
        label: 'daemon load, startup snapshot',
        args: [...daemonFlags, '--snapshot-blob', daemonBlob, main, '-address', containerd, 'spare'],
        env: shimEnv({ TSSHIM_SNAPSHOT_EXIT: '1' }),
      },
    ]);
    const addon = join(dirname(dirname(dirname(shimDir))), 'build', 'Release', 'tsshim_native.node');
    const idle = { TSSHIM_SNAPSHOT_IDLE: '1', TSSHIM_SNAPSHOT_ADDON: addon };
    const idleCache = await idleMemory([...daemonFlags, loader], shimEnv(idle));
    const idleSnapshot = await idleMemory(
      [...daemonFlags, '--snapshot-blob', daemonBlob, main, '-address', containerd, 'spare'],
      shimEnv(idle),
    );

    const mib = (kib: number): string => (kib / 1024).toFixed(2);
    const lines = [
      `Startup snapshot against code caches: medians of ${rounds} interleaved runs each; node ${process.version}; ` +
        `blobs: start ${mib(statSync(startBlob).size / 1024)} MiB, daemon ${mib(statSync(daemonBlob).size / 1024)} MiB.`,
      '',
      '| Process | wall ms | CPU ms |',
      '|---|---:|---:|',
      ...[...start, ...daemon].map((x) => `| ${x.label} | ${x.wall.toFixed(1)} | ${x.cpu.toFixed(1)} |`),
      '',
      '| Daemon loaded, then idle (after the memory reduction a quiet shim runs) | private MiB | PSS MiB |',
      '|---|---:|---:|',
      `| code cache (as built) | ${mib(idleCache.private)} | ${mib(idleCache.pss)} |`,
      `| startup snapshot | ${mib(idleSnapshot.private)} | ${mib(idleSnapshot.pss)} |`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    listener.close();
    group.remove();
    rmSync(work, { recursive: true, force: true });
    builds.remove();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench:snapshot: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
