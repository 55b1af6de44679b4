import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LinuxSeccomp } from '../../../src/seccomp/types.ts';

const fixture = (name: string) => new URL(`../../fixtures/seccomp/${name}`, import.meta.url).pathname;

const runner = new URL('../../fixtures/seccomp/run-cli.ts', import.meta.url).pathname;

/** Runs the command in a child process (see run-cli.ts for why). */
function run(argv: string[]): { code: number; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', runner, 'seccomp', ...argv], {
    encoding: 'utf8',
  });
  return { code: child.status ?? -1, stdout: child.stdout, stderr: child.stderr };
}

describe('tsshim seccomp', () => {
  test('show prints linux.seccomp for the default capabilities plus --cap-add', async () => {
    const plain = run(['show', '--arch', 'amd64']);
    assert.equal(plain.code, 0, plain.stderr);
    const seccomp = JSON.parse(plain.stdout) as LinuxSeccomp;
    assert.deepEqual(seccomp.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    assert.ok(seccomp.syscalls?.some((r) => r.names.includes('chroot')));
    assert.ok(!seccomp.syscalls?.some((r) => r.names.includes('reboot')));

    const added = JSON.parse(
      run(['show', '--arch', 'arm64', '--cap-add', 'CAP_SYS_BOOT']).stdout,
    ) as LinuxSeccomp;
    assert.ok(added.syscalls?.some((r) => r.names.includes('reboot')));
    assert.ok(added.syscalls?.some((r) => r.names.includes('set_tls')));
  });

  test('show rejects an unknown architecture or capability', async () => {
    const arch = run(['show', '--arch', 'vax']);
    assert.equal(arch.code, 2);
    assert.match(arch.stderr, /unknown architecture: vax/);
    const cap = run(['show', '--cap-add', 'CAP_NOPE']);
    assert.equal(cap.code, 1);
    assert.match(cap.stderr, /unknown capability: CAP_NOPE/);
  });

  test('validate exits 0 for good profiles', async () => {
    const good = run([
      'validate',
      fixture('oci-shape.json'),
      new URL('../../../profiles/default.json', import.meta.url).pathname,
    ]);
    assert.deepEqual(good, { code: 0, stdout: '', stderr: '' });
  });

  test('validate prints every error with its JSON path and exits 1', async () => {
    const file = fixture('broken-rules.json');
    const bad = run(['validate', file]);
    assert.equal(bad.code, 1);
    const lines = bad.stdout.trim().split('\n');
    assert.equal(lines.length, 7);
    assert.ok(
      lines.every((line) => line.startsWith(`${file}: $.syscalls[`)),
      bad.stdout,
    );
    assert.ok(lines.includes(`${file}: $.syscalls[0].names: is required`));
  });

  test('validate reports a missing file', async () => {
    const missing = run(['validate', '/nonexistent/profile.json']);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /ENOENT/);
  });
});
