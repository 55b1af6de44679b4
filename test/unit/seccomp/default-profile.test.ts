import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GO_ARCHES } from '../../../src/seccomp/arch.ts';
import { buildSeccomp } from '../../../src/seccomp/build-seccomp.ts';
import { defaultProfile } from '../../../src/seccomp/default-profile.ts';
import type { LinuxSeccomp } from '../../../src/seccomp/types.ts';
import { DEFAULT_CAPABILITIES } from '../../../src/oci/default-spec.ts';
import { KNOWN_CAPABILITIES } from '../../../src/oci/capabilities.ts';
import { checkLinuxSeccomp } from '../../../src/oci/validate-spec.ts';

const KERNEL_6_18 = { major: 6, minor: 18 };
const CLONE_NAMESPACE_FLAGS = 2114060288;

function build(overrides: Partial<Parameters<typeof buildSeccomp>[1]> = {}): LinuxSeccomp {
  return buildSeccomp(defaultProfile(), {
    arch: 'amd64',
    capabilities: DEFAULT_CAPABILITIES,
    kernel: KERNEL_6_18,
    ...overrides,
  });
}

function rulesNaming(seccomp: LinuxSeccomp, name: string) {
  return (seccomp.syscalls ?? []).filter((rule) => rule.names.includes(name));
}

describe('default seccomp profile', () => {
  test('amd64 with containerd default capabilities is byte-identical to containerd 2.3.x DefaultProfile', () => {
    // SHA-256 and size of containerd's own output (reference seccomp-and-spec.md §6), written the same way.
    const text = `${JSON.stringify(build(), null, 2)}\n`;
    assert.equal(text.length, 10392);
    assert.equal(
      createHash('sha256').update(text).digest('hex'),
      'e9ed330af5e0ee4f3502e545aade2170a7509c29cdb5a21b4a64724cc938b7e0',
    );
  });

  test('no io_uring syscall is allowed for any architecture or capability set', () => {
    for (const arch of GO_ARCHES) {
      for (const capabilities of [DEFAULT_CAPABILITIES, KNOWN_CAPABILITIES]) {
        const seccomp = build({ arch, capabilities });
        assert.equal(seccomp.defaultAction, 'SCMP_ACT_ERRNO');
        const allowed = (seccomp.syscalls ?? [])
          .filter((r) => r.action === 'SCMP_ACT_ALLOW')
          .flatMap((r) => r.names);
        assert.ok(allowed.includes('read'));
        assert.deepEqual(
          allowed.filter((name) => name.startsWith('io_uring')),
          [],
          arch,
        );
      }
    }
  });

  test('without CAP_SYS_ADMIN clone may not create namespaces and clone3 gets ENOSYS', () => {
    const seccomp = build();
    assert.deepEqual(rulesNaming(seccomp, 'clone'), [
      {
        names: ['clone'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, op: 'SCMP_CMP_MASKED_EQ' }],
      },
    ]);
    assert.deepEqual(rulesNaming(seccomp, 'clone3'), [
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
    ]);
    assert.deepEqual(rulesNaming(seccomp, 'mount'), []);
  });

  test('CAP_SYS_ADMIN allows mount, clone and clone3 without restriction', () => {
    const seccomp = build({ capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'] });
    const cloneRules = rulesNaming(seccomp, 'clone');
    assert.equal(cloneRules.length, 1);
    assert.equal(cloneRules[0]?.args, undefined);
    assert.ok(cloneRules[0]?.names.includes('mount'));
    assert.ok(rulesNaming(seccomp, 'clone3').every((r) => r.action === 'SCMP_ACT_ALLOW'));
  });

  test('capability-gated rules follow the bounding set', () => {
    assert.deepEqual(rulesNaming(build(), 'chroot'), [{ names: ['chroot'], action: 'SCMP_ACT_ALLOW' }]);
    assert.deepEqual(rulesNaming(build({ capabilities: ['CAP_CHOWN'] }), 'chroot'), []);
    assert.deepEqual(rulesNaming(build({ capabilities: ['CAP_SYS_TIME'] }), 'settimeofday')[0]?.names, [
      'settimeofday',
      'stime',
      'clock_settime',
      'clock_settime64',
    ]);
  });

  test('ptrace needs kernel 4.8 or a known newer kernel', () => {
    assert.equal(rulesNaming(build(), 'ptrace').length, 1);
    assert.equal(rulesNaming(build({ kernel: { major: 4, minor: 8 } }), 'ptrace').length, 1);
    assert.equal(rulesNaming(build({ kernel: { major: 4, minor: 7 } }), 'ptrace').length, 0);
    assert.equal(rulesNaming(build({ kernel: null }), 'ptrace').length, 0);
  });

  test('architectures: native and compat ABIs, omitted where containerd omits them', () => {
    assert.deepEqual(build().architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    assert.deepEqual(
      new Set(build({ arch: 'arm64' }).architectures),
      new Set(['SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64']),
    );
    assert.equal(build({ arch: 'mips64le' }).architectures, undefined);
    assert.equal(build({ arch: 'ppc64le' }).architectures, undefined);
  });

  test('arch-gated rules: s390x clone flags are argument 1, MIPS ENOSYS is 89, amd64 gets arch_prctl', () => {
    assert.equal(rulesNaming(build({ arch: 's390x' }), 'clone')[0]?.args?.[0]?.index, 1);
    assert.ok(rulesNaming(build({ arch: 's390x' }), 's390_runtime_instr').length === 1);
    assert.equal(rulesNaming(build({ arch: 'mips64' }), 'clone3')[0]?.errnoRet, 89);
    assert.equal(rulesNaming(build(), 'arch_prctl').length, 1);
    assert.equal(rulesNaming(build({ arch: 'arm64' }), 'arch_prctl').length, 0);
    assert.equal(rulesNaming(build({ arch: 'arm64' }), 'set_tls').length, 1);
  });

  test('every built profile validates against the OCI runtime-spec schema', () => {
    for (const arch of GO_ARCHES)
      for (const capabilities of [[], DEFAULT_CAPABILITIES, KNOWN_CAPABILITIES])
        assert.deepEqual(checkLinuxSeccomp(build({ arch, capabilities })), [], arch);
  });
});
