// What a person does with the packed package, as the README says it: `npm install -g` of the tarball (here into a
// temporary prefix, with nothing of npm's script environment), then containerd runs containers through runtime
// io.containerd.tsshim.v2 because containerd-shim-tsshim-v2 is in its PATH, under 1.6, 1.7 and 2.x; the CRI
// runtime handler configuration the README gives is one containerd takes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipReason, startContainerd, type ContainerdVersion } from '../../helpers/containerd.ts';
import { repoRoot } from '../../helpers/rootfs.ts';
import { ctrOk, listTasks, parentPid, shimTestVersions, waitForStatus } from '../shim/helpers.ts';
import { configVersion, startCriDaemon } from './cri-daemon.ts';
import { packWorkingTree, shellEnv, tarballFiles, type Packed } from './pack.ts';

const RUNTIME = 'io.containerd.tsshim.v2';
const { version: packageVersion } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
};

interface DoctorReport {
  ok: boolean;
  checks: { name: string; level: string; message: string; fix?: string }[];
}

let packed: Packed;
let prefix: string;
let installMs = 0;
let installOutput = '';

/** the installed package's directory */
const installed = (): string => join(prefix, 'lib', 'node_modules', 'tsshim');

function runInstalled(bin: string, args: string[], env: NodeJS.ProcessEnv = shellEnv()) {
  return spawnSync(join(prefix, 'bin', bin), args, { env, encoding: 'utf8', timeout: 60_000 });
}

function doctor(args: string[]): DoctorReport {
  const res = runInstalled('tsshim', ['doctor', '--json', ...args]);
  assert.ok(res.status === 0 || res.status === 1, `tsshim doctor exited ${res.status}: ${res.stderr}`);
  return JSON.parse(res.stdout) as DoctorReport;
}

function check(report: DoctorReport, name: string) {
  const found = report.checks.find((c) => c.name === name);
  assert.ok(found, `no ${name} check in ${JSON.stringify(report, null, 2)}`);
  return found;
}

before(
  () => {
    packed = packWorkingTree();
    prefix = mkdtempSync(join(tmpdir(), 'tsshim-prefix-'));
    const started = Date.now();
    // as on a fresh machine: no npm_config_nodedir (the install finds node's headers itself)
    const res = spawnSync(
      'npm',
      ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', packed.tarball],
      { env: shellEnv(), encoding: 'utf8', timeout: 600_000 },
    );
    installMs = Date.now() - started;
    installOutput = `${res.stdout}\n${res.stderr}`;
    assert.equal(res.status, 0, `npm install -g failed:\n${installOutput}`);
  },
  { timeout: 900_000 },
);

after(() => {
  if (prefix) rmSync(prefix, { recursive: true, force: true });
  if (packed) rmSync(packed.dir, { recursive: true, force: true });
});

describe('the npm package', () => {
  test('holds the built bundles, the addon sources, the profiles and the install script, and no tests', () => {
    const files = tarballFiles(packed.tarball);
    for (const file of [
      'package.json',
      'README.md',
      'bin/tsshim',
      'bin/containerd-shim-tsshim-v2',
      'dist/tsshim.mjs',
      'dist/shim/main.cjs',
      'dist/shim/daemon.cjs',
      'dist/shim/code-caches.json',
      'dist/build-info.json',
      'binding.gyp',
      'src/native/addon.c',
      'src/native/start-client.c',
      'src/native/send-fd.h',
      'profiles/default.json',
      'scripts/install.mjs',
      'scripts/write-launcher.mjs',
      'scripts/code-cache.cjs',
    ])
      assert.ok(files.includes(file), `${file} is not in the package: ${files.join(' ')}`);
    const strays = files.filter((f) => /^(test|bench|build|node_modules)\/|\.ts$|^\.ci\//.test(f));
    assert.deepEqual(strays, [], 'tests, sources or build output in the package');
  });

  test('npm install -g puts both commands in the prefix, built for the installed node and paths', (t) => {
    t.diagnostic(`npm install -g took ${(installMs / 1000).toFixed(1)} s (native addon build included)`);
    for (const bin of ['containerd-shim-tsshim-v2', 'tsshim'])
      assert.equal(realpathSync(join(prefix, 'bin', bin)), join(installed(), 'bin', bin));
    assert.ok(existsSync(join(installed(), 'build', 'Release', 'tsshim_native.node')), installOutput);
    assert.ok(existsSync(join(installed(), 'build', 'Release', 'tsshim_start')), installOutput);
    // the launcher names the installed code, not the copy the package was packed from
    const launcher = readFileSync(join(installed(), 'bin', 'containerd-shim-tsshim-v2'), 'utf8');
    assert.ok(launcher.includes(`'${join(installed(), 'dist', 'shim', 'main.cjs')}'`), launcher);
    assert.ok(
      launcher.includes(`exec '${join(installed(), 'build', 'Release', 'tsshim_start')}' `),
      launcher,
    );

    // -v: the package version and the revision of the checkout it was packed from, with no node in PATH
    const v = runInstalled('containerd-shim-tsshim-v2', ['-v'], { PATH: '/nonexistent' });
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, new RegExp(`^containerd-shim-tsshim-v2:\\n  Version:  ${packageVersion}\\n`));
    assert.ok(v.stdout.includes(`  Revision: ${packed.revision}\n`), v.stdout);
    assert.notEqual(packed.revision, 'unknown', 'the checkout has a git revision');
    const tool = runInstalled('tsshim', ['--version']);
    assert.equal(
      tool.stdout,
      `tsshim ${packageVersion} (revision ${packed.revision}, node ${process.version})\n`,
    );

    // the doctor of the installed package finds the addon and the code caches made for this node
    const report = doctor(['--address', join(prefix, 'no-containerd.sock')]);
    for (const name of ['launcher', 'node', 'native addon', 'start client', 'code caches'])
      assert.equal(check(report, name).level, 'ok', JSON.stringify(check(report, name)));
  });
});

/** Runs fn with the install prefix's bin first in PATH: startContainerd gives the daemon this PATH. */
async function withPrefixOnPath<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = `${join(prefix, 'bin')}:${saved ?? ''}`;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

/** The containerd config fragments the README gives for each config version (the toml blocks naming the
 *  runtime type), so that what the README tells operators is what this test gives containerd. */
function readmeFragment(version: 2 | 3): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const plugin = version === 2 ? 'io.containerd.grpc.v1.cri' : 'io.containerd.cri.v1.runtime';
  const block = blocks.find((b) => b.includes(RUNTIME) && b.includes(`[plugins."${plugin}"`));
  assert.ok(block, `README.md has no toml block for config version ${version} naming ${RUNTIME}`);
  return block;
}

for (const version of shimTestVersions()) {
  describe(`the installed package under containerd ${version}`, { skip: skipReason(version) }, () => {
    test(
      `ctr run --runtime ${RUNTIME} runs a container through the installed shim`,
      { timeout: 180_000 },
      async () => {
        const daemon = await withPrefixOnPath(() =>
          startContainerd(version as ContainerdVersion, { shim: 'go' }),
        );
        try {
          const image = await daemon.importImage();
          const once = await ctrOk(
            daemon,
            ['run', '--rm', '--runtime', RUNTIME, image, 'pkg-once', 'echo', 'hello'],
            {
              timeoutMs: 60_000,
            },
          );
          assert.equal(once, 'hello\n');

          await ctrOk(daemon, ['run', '-d', '--runtime', RUNTIME, image, 'pkg-long', 'sleep', '600']);
          const task = await waitForStatus(daemon, 'pkg-long', 'RUNNING');
          // ps: the container's parent is the installed shim, named as containerd ran it
          const shimPid = parentPid(task.pid);
          const cmdline = readFileSync(`/proc/${shimPid}/cmdline`, 'utf8').replace(/\0/g, ' ');
          assert.ok(cmdline.startsWith(`${join(prefix, 'bin', 'containerd-shim-tsshim-v2')} `), cmdline);
          // tsshim shim ... state, from the installed tool, reaches the shim at the address containerd gave it
          const state = runInstalled('tsshim', [
            'shim',
            '--containerd-address',
            daemon.address,
            '--namespace',
            daemon.namespace,
            '--id',
            'pkg-long',
            '--format',
            'json',
            'state',
          ]);
          assert.equal(state.status, 0, state.stderr);
          assert.equal((JSON.parse(state.stdout) as { status: string }).status, 'RUNNING', state.stdout);
          const exec = await ctrOk(daemon, ['task', 'exec', '--exec-id', 'e1', 'pkg-long', 'echo', 'exec']);
          assert.equal(exec, 'exec\n');

          // the doctor reads containerd's own PATH: it finds the installed launcher there
          const report = doctor(['--address', daemon.address]);
          assert.equal(check(report, 'containerd').level, 'ok', JSON.stringify(report, null, 2));
          const onPath = check(report, 'shim on PATH');
          assert.equal(onPath.level, 'ok', JSON.stringify(onPath));
          assert.ok(
            onPath.message.includes(join(prefix, 'bin', 'containerd-shim-tsshim-v2')),
            onPath.message,
          );

          await ctrOk(daemon, ['task', 'kill', '-s', 'KILL', 'pkg-long']);
          await waitForStatus(daemon, 'pkg-long', 'STOPPED');
          await ctrOk(daemon, ['task', 'delete', 'pkg-long']);
          await ctrOk(daemon, ['containers', 'delete', 'pkg-long']);
          assert.deepEqual(await listTasks(daemon), []);
        } catch (err) {
          process.stderr.write(`--- containerd ${version} log ---\n${daemon.log()}\n`);
          throw err;
        } finally {
          await daemon.stop();
        }
      },
    );

    test(
      `the README's CRI runtime handler (config version ${configVersion(version)}) is taken with runtime type ${RUNTIME}`,
      { timeout: 120_000 },
      async () => {
        const fragment = readmeFragment(configVersion(version));
        const env = shellEnv({ PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` });
        const daemon = await startCriDaemon(version as ContainerdVersion, fragment, env);
        try {
          const config = await daemon.criConfig();
          assert.equal(
            config.containerd.runtimes.tsshim?.runtimeType,
            RUNTIME,
            JSON.stringify(config.containerd),
          );
          // the other pods keep the Go shim
          assert.equal(config.containerd.runtimes.runc?.runtimeType, 'io.containerd.runc.v2');
        } finally {
          await daemon.stop();
        }
      },
    );
  });
}

/** whether a process maps a native addon whose file was replaced since it started */
function mapsReplacedAddon(pid: number): boolean {
  return readFileSync(`/proc/${pid}/maps`, 'utf8').includes('tsshim_native.node (deleted)');
}

const upgradeVersion = shimTestVersions().at(-1);
describe(
  `an upgrade in place under containerd ${upgradeVersion}`,
  { skip: upgradeVersion === undefined ? 'no containerd selected' : skipReason(upgradeVersion) },
  () => {
    test(
      'running shims keep their version, new containers get the new one, the old ones end cleanly',
      { timeout: 600_000 },
      async (t) => {
        const daemon = await withPrefixOnPath(() =>
          startContainerd(upgradeVersion as ContainerdVersion, { shim: 'go' }),
        );
        let next: Packed | undefined;
        try {
          const image = await daemon.importImage();
          await ctrOk(daemon, ['run', '-d', '--runtime', RUNTIME, image, 'before', 'sleep', '600']);
          const oldShim = parentPid((await waitForStatus(daemon, 'before', 'RUNNING')).pid);
          assert.equal(mapsReplacedAddon(oldShim), false);

          next = packWorkingTree(`${packageVersion}-next`);
          const started = Date.now();
          const res = spawnSync(
            'npm',
            ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', next.tarball],
            {
              env: shellEnv(),
              encoding: 'utf8',
              timeout: 600_000,
            },
          );
          assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
          t.diagnostic(`upgrade took ${((Date.now() - started) / 1000).toFixed(1)} s`);
          const v = runInstalled('containerd-shim-tsshim-v2', ['-v']);
          assert.match(v.stdout, new RegExp(`Version: {2}${packageVersion}-next\\n`));

          // the shim started before keeps its code (its addon's file is gone) and still serves its container
          assert.equal(mapsReplacedAddon(oldShim), true);
          assert.equal(
            await ctrOk(daemon, ['task', 'exec', '--exec-id', 'e1', 'before', 'echo', 'old']),
            'old\n',
          );
          // a container started now runs under the new version
          await ctrOk(daemon, ['run', '-d', '--runtime', RUNTIME, image, 'after', 'sleep', '600']);
          const newShim = parentPid((await waitForStatus(daemon, 'after', 'RUNNING')).pid);
          assert.notEqual(newShim, oldShim);
          assert.equal(mapsReplacedAddon(newShim), false);

          // the old shim's container ends, and the new version's delete cleans up after it
          for (const id of ['before', 'after']) {
            await ctrOk(daemon, ['task', 'kill', '-s', 'KILL', id]);
            await waitForStatus(daemon, id, 'STOPPED');
            await ctrOk(daemon, ['task', 'delete', id]);
            await ctrOk(daemon, ['containers', 'delete', id]);
          }
          assert.deepEqual(await listTasks(daemon), []);
        } catch (err) {
          process.stderr.write(`--- containerd ${upgradeVersion} log ---\n${daemon.log()}\n`);
          throw err;
        } finally {
          await daemon.stop();
          if (next) rmSync(next.dir, { recursive: true, force: true });
        }
      },
    );
  },
);
