import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CAPABILITIES } from '../../../src/oci/default-spec.ts';
import { generateSpec } from '../../../src/oci/generate-spec.ts';
import { parseRuntimeFeatures } from '../../../src/oci/runtime-features.ts';
import { checkSpec } from '../../../src/oci/validate-spec.ts';
import { defaultProfile } from '../../../src/seccomp/default-profile.ts';
import type { SeccompProfile } from '../../../src/seccomp/types.ts';

const KERNEL = { major: 6, minor: 1 };
const base = { arch: 'amd64', kernel: KERNEL } as const;

describe('generateSpec', () => {
  test('defaults follow containerd, without rlimits, and validate', () => {
    const spec = generateSpec({ ...base, id: 'c1' });
    assert.equal(spec.process.rlimits, undefined);
    assert.deepEqual(spec.process.args, ['sh']);
    assert.equal(spec.process.terminal, undefined);
    assert.equal(spec.process.cwd, '/');
    assert.equal(spec.process.noNewPrivileges, true);
    assert.deepEqual(spec.process.capabilities?.bounding, [...DEFAULT_CAPABILITIES]);
    assert.deepEqual(spec.process.capabilities?.effective, [...DEFAULT_CAPABILITIES]);
    assert.deepEqual(spec.process.capabilities?.permitted, [...DEFAULT_CAPABILITIES]);
    assert.deepEqual(spec.root, { path: 'rootfs' });
    assert.deepEqual(
      spec.mounts.map((m) => m.destination),
      ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/run'],
    );
    assert.deepEqual(
      spec.linux.namespaces.map((n) => n.type),
      ['pid', 'ipc', 'uts', 'mount', 'network'],
    );
    assert.deepEqual(spec.linux.resources, { devices: [{ allow: false, access: 'rwm' }] });
    assert.equal(spec.linux.cgroupsPath, '/default/c1');
    assert.equal(spec.linux.maskedPaths?.length, 11);
    assert.ok(spec.linux.maskedPaths?.includes('/sys/devices/virtual/powercap'));
    assert.deepEqual(spec.linux.readonlyPaths, [
      '/proc/bus',
      '/proc/fs',
      '/proc/irq',
      '/proc/sys',
      '/proc/sysrq-trigger',
    ]);
    assert.equal(spec.linux.seccomp?.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(spec.linux.seccomp?.syscalls?.length, 14);
    assert.deepEqual(checkSpec(spec), []);
  });

  test('process options: args, env, cwd, tty, rootfs, hostname, cgroupsPath', () => {
    const spec = generateSpec({
      ...base,
      args: ['/bin/echo', 'hi'],
      env: ['A=1'],
      cwd: '/tmp',
      tty: true,
      rootfs: '/var/lib/rootfs',
      hostname: 'box',
      cgroupsPath: null,
    });
    assert.deepEqual(spec.process.args, ['/bin/echo', 'hi']);
    assert.deepEqual(spec.process.env, ['A=1']);
    assert.equal(spec.process.cwd, '/tmp');
    assert.equal(spec.process.terminal, true);
    assert.deepEqual(spec.root, { path: '/var/lib/rootfs' });
    assert.equal(spec.hostname, 'box');
    assert.equal('cgroupsPath' in spec.linux, false);
  });

  test('added capabilities reach every set and the seccomp profile', () => {
    const spec = generateSpec({ ...base, capAdd: ['sys_admin', 'CAP_SYS_PTRACE', 'CAP_CHOWN'] });
    const bounding = spec.process.capabilities?.bounding ?? [];
    assert.deepEqual(bounding.slice(-2), ['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE']);
    assert.equal(bounding.filter((c) => c === 'CAP_CHOWN').length, 1);
    assert.deepEqual(spec.process.capabilities?.effective, bounding);
    const rules = spec.linux.seccomp?.syscalls ?? [];
    assert.ok(rules.some((r) => r.names.includes('mount') && r.action === 'SCMP_ACT_ALLOW'));
    assert.ok(!rules.some((r) => r.names.includes('clone3') && r.action === 'SCMP_ACT_ERRNO'));
    assert.ok(rules.some((r) => r.names.includes('kcmp')));
    assert.throws(() => generateSpec({ ...base, capAdd: ['CAP_FLY'] }), /unknown capability: CAP_FLY/);
  });

  test('seccomp unconfined or from a profile', () => {
    assert.equal(generateSpec({ ...base, seccomp: { kind: 'unconfined' } }).linux.seccomp, undefined);
    const profile: SeccompProfile = { defaultAction: 'SCMP_ACT_LOG', syscalls: [] };
    assert.deepEqual(generateSpec({ ...base, seccomp: { kind: 'profile', profile } }).linux.seccomp, {
      defaultAction: 'SCMP_ACT_LOG',
      syscalls: [],
    });
    assert.deepEqual(
      generateSpec({ ...base, seccomp: { kind: 'profile', profile: defaultProfile() } }).linux.seccomp,
      generateSpec(base).linux.seccomp,
    );
  });

  test('user namespace mappings add a user namespace', () => {
    const uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    const spec = generateSpec({ ...base, userNamespace: { uidMappings, gidMappings } });
    assert.deepEqual(spec.linux.uidMappings, uidMappings);
    assert.deepEqual(spec.linux.gidMappings, gidMappings);
    assert.equal(spec.linux.namespaces.filter((n) => n.type === 'user').length, 1);
    assert.deepEqual(checkSpec(spec), []);
  });

  test('rro mounts only when the runtime features list rro', () => {
    const rro = { source: '/data', destination: '/data', access: 'rro' } as const;
    const withRro = parseRuntimeFeatures(
      JSON.stringify({ ociVersionMax: '1.2.0', mountOptions: ['ro', 'rro'] }),
    );
    const spec = generateSpec({ ...base, bindMounts: [rro], runtimeFeatures: withRro });
    assert.deepEqual(spec.mounts.at(-1), {
      destination: '/data',
      type: 'bind',
      source: '/data',
      options: ['rbind', 'rprivate', 'rro'],
    });
    const withoutRro = parseRuntimeFeatures(JSON.stringify({ mountOptions: ['ro', 'rbind'] }));
    assert.throws(
      () => generateSpec({ ...base, bindMounts: [rro], runtimeFeatures: withoutRro }),
      /recursive read-only mount \/data: the runtime does not support rro/,
    );
    assert.throws(() => generateSpec({ ...base, bindMounts: [rro] }), /does not support rro/);
    assert.throws(
      () =>
        generateSpec({
          ...base,
          kernel: { major: 5, minor: 4 },
          bindMounts: [rro],
          runtimeFeatures: withRro,
        }),
      /needs Linux >= 5.12/,
    );
    const ro = generateSpec({ ...base, bindMounts: [{ ...rro, access: 'ro' }] });
    assert.deepEqual(ro.mounts.at(-1)?.options, ['rbind', 'rprivate', 'ro']);
  });

  test('the schema rejects broken specs with JSON paths', () => {
    const spec = generateSpec(base);
    const broken = JSON.parse(JSON.stringify(spec)) as Record<string, unknown> & typeof spec;
    delete (broken as { ociVersion?: string }).ociVersion;
    (broken.linux.seccomp as { defaultAction: string }).defaultAction = 'SCMP_ACT_NOPE';
    (broken.linux.namespaces[0] as { type: string }).type = 'pidns';
    const paths = checkSpec(broken).map((i) => i.path);
    assert.ok(paths.includes('$.ociVersion'), paths.join());
    assert.ok(paths.includes('$.linux.seccomp.defaultAction'), paths.join());
    assert.ok(paths.includes('$.linux.namespaces[0].type'), paths.join());
  });
});
