import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Spec } from '../../../src/oci/types.ts';

const runner = new URL('../../fixtures/seccomp/run-cli.ts', import.meta.url).pathname;

/** Runs the command in a child process (see run-cli.ts for why). */
function run(argv: string[]): { code: number; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', runner, 'spec', ...argv], {
    encoding: 'utf8',
  });
  return { code: child.status ?? -1, stdout: child.stdout, stderr: child.stderr };
}

describe('tsshim spec', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsshim-spec-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const readSpec = async (bundle: string) =>
    JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as Spec;

  test('writes DIR/config.json with sh, no terminal and the default profile', async () => {
    const bundle = join(dir, 'plain');
    assert.equal(run(['--bundle', bundle]).code, 0);
    const spec = await readSpec(bundle);
    assert.deepEqual(spec.process.args, ['sh']);
    assert.equal(spec.process.terminal, undefined);
    assert.equal(spec.process.rlimits, undefined);
    assert.equal(spec.linux.seccomp?.defaultAction, 'SCMP_ACT_ERRNO');
  });

  test('passes rootfs, tty, cap-add, seccomp and the args after --', async () => {
    const bundle = join(dir, 'full');
    const result = run([
      '--bundle',
      bundle,
      '--rootfs',
      '/srv/root',
      '--tty',
      '--cap-add',
      'NET_ADMIN',
      '--seccomp',
      'unconfined',
      '--',
      'echo',
      '--tty',
      'x',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const spec = await readSpec(bundle);
    assert.deepEqual(spec.process.args, ['echo', '--tty', 'x']);
    assert.equal(spec.process.terminal, true);
    assert.equal(spec.root.path, '/srv/root');
    assert.ok(spec.process.capabilities?.bounding?.includes('CAP_NET_ADMIN'));
    assert.equal(spec.linux.seccomp, undefined);
  });

  test('--seccomp FILE uses the profile and refuses a broken one with paths', async () => {
    const good = join(dir, 'good.json');
    await writeFile(
      good,
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
      }),
    );
    const bundle = join(dir, 'file');
    assert.equal(run(['--bundle', bundle, '--seccomp', good]).code, 0);
    assert.deepEqual((await readSpec(bundle)).linux.seccomp, {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
    });

    const broken = new URL('../../fixtures/seccomp/broken-rules.json', import.meta.url).pathname;
    const result = run(['--bundle', join(dir, 'broken'), '--seccomp', broken]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\$\.syscalls\[1\]\.action: must be equal to one of the allowed values/);
  });

  test('usage errors exit 2', async () => {
    assert.equal(run([]).code, 2);
    assert.equal(run(['--bundle', dir, '--frobnicate']).code, 2);
  });
});
