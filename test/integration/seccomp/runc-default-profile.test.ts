// A container started by real runc from a generated spec: io_uring is denied by the default profile,
// ordinary programs work, and RLIMIT_NOFILE is inherited from whoever started runc.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSpec, type SpecOptions } from '../../../src/oci/generate-spec.ts';
import { parseRuntimeFeatures } from '../../../src/oci/runtime-features.ts';

const RUNC = process.env.TSSHIM_RUNC ?? '/usr/sbin/runc';
const BUSYBOX = '/bin/busybox';
const EPERM = 1;
const CGROUP_PARENT = `tsshim-seccomp-test-${process.pid}`;

const IO_URING_PROBE = `
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(void) {
  unsigned char params[120]; /* struct io_uring_params */
  memset(params, 0, sizeof params);
  long fd = syscall(SYS_io_uring_setup, 1, params);
  if (fd >= 0) { printf("errno=0\\n"); return 0; }
  printf("errno=%d\\n", errno);
  return 0;
}
`;

const missing = [RUNC, BUSYBOX, '/usr/bin/gcc'].filter((path) => !existsSync(path));
const skip = missing.length > 0 && process.env.CI !== 'true' ? `missing ${missing.join(', ')}` : false;

interface NofileLimit {
  soft: string;
  hard: string;
}

function nofileFromLimits(text: string): NofileLimit {
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const match = line && /^Max open files\s+(\S+)\s+(\S+)/.exec(line);
  if (!match?.[1] || !match[2]) throw new Error(`no "Max open files" line in:\n${text}`);
  return { soft: match[1], hard: match[2] };
}

describe('generated spec under runc', { skip }, () => {
  let work = '';
  let rootfs = '';
  let stateRoot = '';
  let counter = 0;
  const created: string[] = [];
  const mounted: string[] = [];

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'tsshim-seccomp-runc-'));
    rootfs = join(work, 'rootfs');
    stateRoot = join(work, 'runc-state');
    for (const dir of ['bin', 'proc', 'sys', 'dev', 'tmp', 'run'])
      mkdirSync(join(rootfs, dir), { recursive: true });
    copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
    chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
    for (const applet of ['sh', 'cat', 'echo', 'grep', 'ls', 'mkdir', 'touch'])
      symlinkSync('busybox', join(rootfs, 'bin', applet));
    writeFileSync(join(work, 'probe.c'), IO_URING_PROBE);
    const gcc = spawnSync(
      'gcc',
      ['-static', '-O2', '-o', join(rootfs, 'bin', 'io-uring-probe'), join(work, 'probe.c')],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(gcc.status, 0, gcc.stderr);
  });

  after(() => {
    for (const id of created)
      spawnSync(RUNC, ['--root', stateRoot, 'delete', '--force', id], { encoding: 'utf8' });
    for (const path of mounted) spawnSync('umount', [path]);
    // runc removes each container's cgroup but not the parent it created for them (v1 hierarchies or v2).
    const hierarchies = existsSync('/sys/fs/cgroup/cgroup.controllers')
      ? ['/sys/fs/cgroup']
      : readdirSync('/sys/fs/cgroup').map((name) => join('/sys/fs/cgroup', name));
    for (const hierarchy of hierarchies) {
      const dir = join(hierarchy, CGROUP_PARENT);
      if (existsSync(dir)) rmdirSync(dir);
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Writes a bundle for the options and runs it to completion with `runc run` (optionally under a launcher). */
  function runContainer(options: SpecOptions, launcher: string[] = []): SpawnSyncReturns<string> {
    const id = `tsshim-seccomp-${process.pid}-${++counter}`;
    const bundle = join(work, id);
    mkdirSync(bundle);
    const spec = generateSpec({ ...options, rootfs, cgroupsPath: `/${CGROUP_PARENT}/${id}` });
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
    created.push(id);
    const argv = [...launcher, RUNC, '--root', stateRoot, 'run', '--bundle', bundle, id];
    const [command = RUNC, ...args] = argv;
    return spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  }

  test('io_uring_setup gets EPERM under the default profile while ordinary programs work', () => {
    const result = runContainer({
      args: ['sh', '-c', 'io-uring-probe; echo hello > /tmp/f; cat /tmp/f; ls /bin/sh'],
    });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n'), [`errno=${EPERM}`, 'hello', '/bin/sh']);
  });

  test('without seccomp the same probe is not refused with EPERM by the container runtime', () => {
    // The host may itself disable io_uring (sysctl kernel.io_uring_disabled): compare with the host's answer.
    const host = spawnSync(join(rootfs, 'bin', 'io-uring-probe'), { encoding: 'utf8' });
    const result = runContainer({ args: ['io-uring-probe'], seccomp: { kind: 'unconfined' } });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), host.stdout.trim());
    if (host.stdout.trim() === 'errno=0') assert.equal(result.stdout.trim(), 'errno=0');
  });

  test('RLIMIT_NOFILE inside the container equals the parent process limits', () => {
    const own = nofileFromLimits(readFileSync('/proc/self/limits', 'utf8'));
    const inherited = runContainer({ args: ['cat', '/proc/self/limits'] });
    assert.equal(inherited.status, 0, inherited.stderr);
    assert.deepEqual(nofileFromLimits(inherited.stdout), own);

    // And under limits that are neither ours nor containerd's fixed 1024:1024.
    const launched = runContainer({ args: ['cat', '/proc/self/limits'] }, ['prlimit', '--nofile=4321:4321']);
    assert.equal(launched.status, 0, launched.stderr);
    assert.deepEqual(nofileFromLimits(launched.stdout), { soft: '4321', hard: '4321' });

    // runc built with Go 1.19/1.20 (runc 1.1.5 here) raises its own soft limit to the hard one at start-up and
    // its container init keeps that; later runc releases restore the original soft limit. The hard limit is
    // always the parent's.
    const split = runContainer({ args: ['cat', '/proc/self/limits'] }, ['prlimit', '--nofile=2345:6789']);
    assert.equal(split.status, 0, split.stderr);
    const limits = nofileFromLimits(split.stdout);
    assert.equal(limits.hard, '6789');
    assert.ok(['2345', '6789'].includes(limits.soft), limits.soft);
  });

  test('a recursive read-only bind mount is read-only below submounts too when runc supports rro', (t) => {
    const features = spawnSync(RUNC, ['features'], { encoding: 'utf8' });
    const runtimeFeatures = parseRuntimeFeatures(features.status === 0 ? features.stdout : '{}');
    if (!runtimeFeatures.mountOptions.includes('rro')) {
      assert.throws(
        () =>
          generateSpec({
            bindMounts: [{ source: work, destination: '/data', access: 'rro' }],
            runtimeFeatures,
          }),
        /does not support rro/,
      );
      t.skip('runc does not support rro: checked the refusal only');
      return;
    }
    const data = join(work, 'data');
    mkdirSync(join(data, 'sub'), { recursive: true });
    const mount = spawnSync('mount', ['-t', 'tmpfs', 'tsshim-rro-test', join(data, 'sub')], {
      encoding: 'utf8',
    });
    assert.equal(mount.status, 0, mount.stderr);
    mounted.push(join(data, 'sub'));
    const probe = [
      'sh',
      '-c',
      'for d in /data /data/sub; do touch $d/x 2>/dev/null && echo $d rw || echo $d ro; done',
    ];
    const outputFor = (access: 'rw' | 'ro' | 'rro') => {
      const result = runContainer({
        args: probe,
        bindMounts: [{ source: data, destination: '/data', access }],
        runtimeFeatures,
      });
      assert.equal(result.status, 0, result.stderr);
      return result.stdout.trim().split('\n');
    };
    assert.deepEqual(outputFor('rro'), ['/data ro', '/data/sub ro']);
    // Plain ro leaves the submount writable: that is the difference rro makes.
    assert.deepEqual(outputFor('ro'), ['/data ro', '/data/sub rw']);
    assert.deepEqual(outputFor('rw'), ['/data rw', '/data/sub rw']);
  });
});
