// The launcher containerd runs (bin/containerd-shim-tsshim-v2, written by npm run build) names its node and its
// code by absolute path: a copy, a symlink or a hard link anywhere runs the shim, with no node in PATH.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { repoRoot } from '../../helpers/rootfs.ts';
import { defaultLauncherPath, launcherScript, writeLauncher } from '../../../scripts/write-launcher.mjs';

const launcher = join(repoRoot, 'bin', 'containerd-shim-tsshim-v2');
const dir = mkdtempSync(join(tmpdir(), 'tsshim-launcher-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a file with nothing of this process's environment: no node anywhere in PATH, cwd elsewhere. */
function runBare(file: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(file, args, {
    cwd: dir,
    env: { PATH: '/nonexistent', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

/** The two paths of the launcher's exec line, unquoted. */
function execPaths(text: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith('exec '));
  assert.ok(line, `no exec line in:\n${text}`);
  return [...line.matchAll(/'([^']*)'/g)].map((m) => m[1] ?? '');
}

test('npm run build writes the launcher with the absolute paths of its node and its code', () => {
  assert.equal(defaultLauncherPath, launcher);
  assert.ok(existsSync(launcher), `${launcher} is missing: run npm run build`);
  assert.equal(statSync(launcher).mode & 0o111, 0o111, 'the launcher is executable');
  const [node = '', main = ''] = execPaths(readFileSync(launcher, 'utf8'));
  assert.ok(isAbsolute(node) && existsSync(node), `node ${node}`);
  assert.equal(main, join(repoRoot, 'dist', 'shim', 'main.cjs'));
});

for (const [how, make] of [
  ['a copy', copyFileSync],
  ['a symlink', (from: string, to: string) => symlinkSync(from, to)],
  ['a hard link', linkSync],
] as const) {
  test(`${how} of the launcher in another directory runs the shim with no node in PATH`, () => {
    const sub = mkdtempSync(join(dir, 'bin-'));
    const copy = join(sub, 'containerd-shim-x-v2');
    make(launcher, copy);
    const res = runBare(copy, ['-v']);
    assert.equal(res.status, 0, `${res.stdout}${res.stderr}`);
    // the shim names itself by the name containerd ran it by
    assert.match(res.stdout, /^containerd-shim-x-v2:\n {2}Version: {2}\S+\n/);
  });
}

test('the launcher quotes any path, passes every argument as is and keeps NODE_OPTIONS and the CA file from node', () => {
  const odd = join(dir, `it's a "dir" $HOME`);
  mkdirSync(odd);
  const node = join(odd, 'node');
  symlinkSync(process.execPath, node);
  const main = join(odd, 'main.cjs');
  writeFileSync(
    main,
    `const e = process.env;
process.stdout.write(JSON.stringify({ argv: process.argv.slice(2), argv0: e.TSSHIM_ARGV0,
  options: e.NODE_OPTIONS ?? null, ca: e.NODE_EXTRA_CA_CERTS ?? null, shimCa: e.TSSHIM_NODE_EXTRA_CA_CERTS ?? null }));`,
  );
  const out = writeLauncher({ node, main, out: join(odd, 'containerd-shim-y-v2') });

  // NODE_OPTIONS requiring a missing file would stop node before main.cjs runs: it must not reach node
  const res = runBare(out, ['-id', 'a b', '', '$x', 'start'], {
    NODE_OPTIONS: '--require /nonexistent/preload.js',
    NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/extra.pem',
  });
  assert.equal(res.status, 0, res.stderr);
  assert.deepEqual(JSON.parse(res.stdout), {
    argv: ['-id', 'a b', '', '$x', 'start'],
    argv0: out,
    options: null,
    ca: null,
    shimCa: '/etc/ssl/certs/extra.pem',
  });
});

test('the launcher is written only for an absolute node and entry, and a node that can run', () => {
  assert.throws(() => launcherScript({ node: 'node', main: '/x/main.cjs' }), /absolute/);
  assert.throws(() => launcherScript({ node: '/usr/bin/node', main: 'dist/shim/main.cjs' }), /absolute/);
  const out = join(dir, 'never-written');
  assert.throws(() => writeLauncher({ node: join(dir, 'no-such-node'), out }), /not an executable/);
  assert.equal(existsSync(out), false);
});

test('TSSHIM_NODE, or --node before it, picks the node the launcher runs', () => {
  const other = join(dir, 'other-node');
  symlinkSync(process.execPath, other);
  const missing = join(dir, 'missing-node');
  const script = join(repoRoot, 'scripts', 'write-launcher.mjs');
  const write = (args: string[], tsshimNode: string) =>
    spawnSync(process.execPath, [script, ...args], {
      env: { ...process.env, TSSHIM_NODE: tsshimNode },
      encoding: 'utf8',
    });

  const viaEnv = join(dir, 'via-env');
  let res = write(['--out', viaEnv], other);
  assert.equal(res.status, 0, res.stderr);
  assert.equal(execPaths(readFileSync(viaEnv, 'utf8'))[0], other);

  const viaFlag = join(dir, 'via-flag');
  res = write(['--node', other, '--out', viaFlag], missing);
  assert.equal(res.status, 0, res.stderr);
  assert.equal(execPaths(readFileSync(viaFlag, 'utf8'))[0], other);

  res = write(['--out', join(dir, 'not-written')], missing);
  assert.equal(res.status, 1);
  assert.match(res.stderr, /missing-node is not an executable file/);
});
