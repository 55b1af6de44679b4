// tsshim doctor's checks, each against a host made up in a temporary directory: what is ok, what is a warning,
// what is an error, and that every warning and error says what to do.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkCgroups,
  checkContainerd,
  checkLauncher,
  checkSeccomp,
  checkShimOnPath,
  checkSocketDir,
  checkStartClient,
  checkTracing,
  compareVersions,
  parseLauncher,
  type Check,
} from '../../../src/cli/doctor/checks.ts';
import { listeningInodes } from '../../../src/cli/doctor/daemon-process.ts';
import { launcherScript } from '../../../scripts/write-launcher.mjs';

const dir = mkdtempSync(join(tmpdir(), 'tsshim-doctor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fresh(name: string): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  return path;
}

function executable(path: string, text = '#!/bin/sh\n'): string {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

function assertLevel(check: Check, level: Check['level']): void {
  assert.equal(check.level, level, JSON.stringify(check));
  if (level !== 'ok') assert.ok(check.fix, `a ${level} without a fix: ${JSON.stringify(check)}`);
}

describe('doctor: the launcher', () => {
  test('reads back the node and code the launcher writer wrote, whatever the paths hold', () => {
    const node = "/opt/it's node/bin/node";
    const main = '/usr/lib/node_modules/ts shim/dist/shim/main.cjs';
    assert.deepEqual(parseLauncher(launcherScript({ node, main })), {
      node,
      main,
      root: '/usr/lib/node_modules/ts shim',
    });
    assert.equal(parseLauncher('#!/bin/sh\nexec node "$0"\n'), undefined);
  });

  test('ok when both paths exist; an error naming the missing one, and one for no launcher at all', () => {
    const root = fresh('pkg');
    const main = join(root, 'dist', 'shim', 'main.cjs');
    mkdirSync(join(root, 'dist', 'shim'), { recursive: true });
    writeFileSync(main, '');
    const good = executable(join(root, 'launcher'), launcherScript({ node: process.execPath, main }));
    const ok = checkLauncher(good);
    assertLevel(ok.check, 'ok');
    assert.equal(ok.launcher?.root, root);

    const moved = executable(
      join(root, 'moved'),
      launcherScript({ node: process.execPath, main: '/gone/dist/shim/main.cjs' }),
    );
    const stale = checkLauncher(moved).check;
    assertLevel(stale, 'error');
    assert.match(stale.message, /shim code \/gone\/dist\/shim\/main\.cjs, which does not exist/);

    assertLevel(checkLauncher(join(root, 'absent')).check, 'error');
    assertLevel(checkLauncher(executable(join(root, 'other'), '#!/bin/sh\necho hi\n')).check, 'error');
  });
});

describe('doctor: the start client', () => {
  test('ok when built and executable; a warning (starts run Node.js) when missing or not executable', () => {
    const root = fresh('client-root');
    assertLevel(checkStartClient(root), 'warning');
    mkdirSync(join(root, 'build', 'Release'), { recursive: true });
    writeFileSync(join(root, 'build', 'Release', 'tsshim_start'), '');
    assertLevel(checkStartClient(root), 'warning');
    executable(join(root, 'build', 'Release', 'tsshim_start'));
    assertLevel(checkStartClient(root), 'ok');
  });
});

describe('doctor: the host', () => {
  test('cgroup v2 is ok, v1 a warning, none an error', () => {
    const v2 = fresh('cg-v2');
    writeFileSync(join(v2, 'cgroup.controllers'), 'cpu memory\n');
    assertLevel(checkCgroups(v2), 'ok');
    const hybrid = fresh('cg-hybrid');
    mkdirSync(join(hybrid, 'unified'));
    writeFileSync(join(hybrid, 'unified', 'cgroup.controllers'), '');
    mkdirSync(join(hybrid, 'memory'));
    const h = checkCgroups(hybrid);
    assertLevel(h, 'warning');
    assert.match(h.message, /v1 \(hybrid\)/);
    const legacy = fresh('cg-legacy');
    mkdirSync(join(legacy, 'memory'));
    assert.match(checkCgroups(legacy).message, /v1 \(legacy\)/);
    assertLevel(checkCgroups(fresh('cg-none')), 'error');
  });

  test('seccomp: ok when the kernel and the runtime have it, a warning when either lacks it', () => {
    const status = 'Name:\tnode\nSeccomp:\t0\nSeccomp_filters:\t0\n';
    const ok = checkSeccomp(status, {
      linux: { seccomp: { enabled: true } },
      annotations: { 'io.github.seccomp.libseccomp.version': '2.5.4' },
    });
    assertLevel(ok, 'ok');
    assert.match(ok.message, /libseccomp 2\.5\.4/);
    assertLevel(checkSeccomp('Name:\tnode\n', undefined), 'warning');
    assertLevel(checkSeccomp(status, { linux: { seccomp: { enabled: false } } }), 'warning');
    assertLevel(checkSeccomp(status, undefined), 'ok');
  });

  test('the socket directory: writable or makeable is ok; under a file, or too long for a socket, an error', () => {
    assertLevel(checkSocketDir(fresh('sockets')), 'ok');
    const later = checkSocketDir(join(dir, 'not-yet', 's'));
    assertLevel(later, 'ok');
    assert.match(later.message, /made at the first shim start/);
    writeFileSync(join(dir, 'a-file'), '');
    assertLevel(checkSocketDir(join(dir, 'a-file', 's')), 'error');
    const long = checkSocketDir(join(dir, 'x'.repeat(60)));
    assertLevel(long, 'error');
    assert.match(long.message, /over the 107 a unix socket allows/);
  });
});

describe('doctor: containerd', () => {
  test('versions compare by number; before 1.6 is an error, unreachable a warning', () => {
    assert.ok(compareVersions('1.10.0', '1.6.0') > 0);
    assert.ok(compareVersions('1.5.9', '1.6.0') < 0);
    assert.equal(compareVersions('2.1.9+unknown', '2.1.9'), 0);
    assertLevel(checkContainerd({ address: '/s', version: '1.5.9' }), 'error');
    assertLevel(checkContainerd({ address: '/s', error: 'connect ENOENT /s' }), 'warning');
    const ok = checkContainerd({ address: '/s', version: '2.1.9', pid: 42, env: {} });
    assertLevel(ok, 'ok');
    assert.equal(ok.message, 'containerd 2.1.9 at /s, pid 42');
  });

  test("the listening socket's inode comes from /proc/net/unix, connected ends aside", () => {
    const table = [
      'Num       RefCount Protocol Flags    Type St Inode Path',
      '0000000000000000: 00000002 00000000 00010000 0001 01 4242 /run/containerd/containerd.sock',
      '0000000000000000: 00000003 00000000 00000000 0001 03 4343 /run/containerd/containerd.sock',
      '0000000000000000: 00000002 00000000 00010000 0001 01 4444 /run/containerd/containerd.sock.ttrpc',
      '0000000000000000: 00000002 00000000 00010000 0001 01 4545 /tmp/with space.sock',
    ].join('\n');
    assert.deepEqual(listeningInodes(table, '/run/containerd/containerd.sock'), ['4242']);
    assert.deepEqual(listeningInodes(table, '/tmp/with space.sock'), ['4545']);
  });

  test("containerd-shim-tsshim-v2 in containerd's PATH: ours is ok, another a warning, none an error", () => {
    const ours = executable(join(fresh('ours'), 'containerd-shim-tsshim-v2'));
    const linked = fresh('linked');
    symlinkSync(ours, join(linked, 'containerd-shim-tsshim-v2'));
    const ok = checkShimOnPath(`/nonexistent:${linked}`, undefined, ours, 'containerd (pid 1)');
    assertLevel(ok, 'ok');
    assert.match(ok.message, /containerd \(pid 1\) finds .*linked\/containerd-shim-tsshim-v2/);

    const other = fresh('other');
    executable(join(other, 'containerd-shim-tsshim-v2'));
    assertLevel(checkShimOnPath(`${other}:${linked}`, undefined, ours, 'containerd'), 'warning');

    const none = checkShimOnPath('/nonexistent', undefined, ours, 'containerd');
    assertLevel(none, 'error');
    assert.match(none.message, /binary not installed "containerd-shim-tsshim-v2"/);
    assert.match(none.fix ?? '', /ln -s .*ours\/containerd-shim-tsshim-v2/);

    // containerd also looks beside its own executable
    assertLevel(checkShimOnPath('/nonexistent', join(linked, 'containerd'), ours, 'containerd'), 'ok');
  });

  test('tracing as the shims will see it: on, off, or configured but refused', () => {
    const on = checkTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, 'containerd');
    assertLevel(on, 'ok');
    assert.match(on.message, /^on: spans go to http:\/\/127\.0\.0\.1:4318/);
    const off = checkTracing({}, 'containerd (pid 7)');
    assertLevel(off, 'ok');
    assert.match(off.message, /^off: no OTEL_EXPORTER_OTLP_ENDPOINT in containerd \(pid 7\)'s environment/);
    assertLevel(
      checkTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318', OTEL_SDK_DISABLED: 'true' }, 'containerd'),
      'ok',
    );
    const refused = checkTracing(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      'containerd',
    );
    assertLevel(refused, 'warning');
    assert.match(refused.message, /http\/json/);
  });
});
