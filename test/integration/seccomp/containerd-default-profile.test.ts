// Compares tsshim's default profile with the one a real containerd 2.x client writes into a container's spec
// (`ctr c create --seccomp` then `ctr c info`), as sets of rules, for several capability sets.
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  containerdBinaries,
  skipReason,
  startContainerd,
  type Containerd,
} from '../../helpers/containerd.ts';
import { busyboxRootfs } from '../../helpers/rootfs.ts';
import { hostGoArch } from '../../../src/seccomp/arch.ts';
import { buildSeccomp } from '../../../src/seccomp/build-seccomp.ts';
import { defaultProfile } from '../../../src/seccomp/default-profile.ts';
import { hostKernelVersion } from '../../../src/seccomp/kernel.ts';
import type { LinuxSeccomp } from '../../../src/seccomp/types.ts';

type Version = [number, number, number];

function containerdVersion(): Version {
  const out = spawnSync(containerdBinaries('2').containerd, ['--version'], { encoding: 'utf8' }).stdout;
  const match = /\s(\d+)\.(\d+)\.(\d+)/.exec(out);
  if (!match) throw new Error(`cannot read the containerd version from: ${out}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

const atLeast = (v: Version, w: Version) =>
  v[0] !== w[0] ? v[0] > w[0] : v[1] !== w[1] ? v[1] > w[1] : v[2] >= w[2];

/** One key per (syscall name, action, errnoRet, conditions): order and grouping of names do not matter. */
function ruleKeys(seccomp: LinuxSeccomp): Set<string> {
  const keys = new Set<string>();
  for (const rule of seccomp.syscalls ?? []) {
    const args = (rule.args ?? []).map((a) => [a.index, a.value, a.valueTwo ?? 0, a.op]);
    for (const name of rule.names) keys.add(JSON.stringify([name, rule.action, rule.errnoRet ?? null, args]));
  }
  return keys;
}

const allow = (name: string, args: unknown[] = []) => JSON.stringify([name, 'SCMP_ACT_ALLOW', null, args]);

/**
 * What containerd releases older than the snapshot profiles/default.json follows (v2.3.1+) emit differently,
 * from the version matrix in the reference (seccomp-and-spec.md §1.9):
 * - 2.0.0–2.0.8, 2.1.x, 2.2.0–2.2.3, 2.3.0 have one socket rule `arg0 != AF_VSOCK` instead of the three rules
 *   that also deny AF_ALG;
 * - 2.0.x and 2.1.x lack 11 syscalls of kernels 6.8–6.13 (listed below).
 */
function expectedDifference(v: Version): { onlyOurs: string[]; onlyTheirs: string[] } {
  const onlyOurs: string[] = [];
  const onlyTheirs: string[] = [];
  const threeSocketRules =
    atLeast(v, [2, 3, 1]) || (v[1] === 2 && atLeast(v, [2, 2, 4])) || (v[1] === 0 && atLeast(v, [2, 0, 9]));
  if (!threeSocketRules) {
    onlyOurs.push(
      allow('socket', [[0, 38, 0, 'SCMP_CMP_LT']]),
      allow('socket', [[0, 39, 0, 'SCMP_CMP_EQ']]),
      allow('socket', [[0, 40, 0, 'SCMP_CMP_GT']]),
    );
    onlyTheirs.push(allow('socket', [[0, 40, 0, 'SCMP_CMP_NE']]));
  }
  if (!atLeast(v, [2, 2, 0]))
    onlyOurs.push(
      ...[
        'getxattrat',
        'listmount',
        'listxattrat',
        'lsm_get_self_attr',
        'lsm_list_modules',
        'lsm_set_self_attr',
        'mseal',
        'removexattrat',
        'setxattrat',
        'statmount',
        'uretprobe',
      ].map((name) => allow(name)),
    );
  return { onlyOurs: onlyOurs.sort(), onlyTheirs: onlyTheirs.sort() };
}

const skip = skipReason('2');

describe('default profile against containerd 2.x', { skip }, () => {
  let daemon: Containerd | undefined;
  let version: Version = [0, 0, 0];
  let counter = 0;

  before(async () => {
    version = containerdVersion();
    daemon = await startContainerd('2', { shim: 'go', logLevel: 'info' });
  });
  after(async () => {
    await daemon?.stop();
  });

  async function containerdProfile(capAdd: string[]): Promise<{ seccomp: LinuxSeccomp; bounding: string[] }> {
    if (!daemon) throw new Error('containerd did not start');
    const id = `seccomp-${++counter}`;
    const capFlags = capAdd.flatMap((cap) => ['--cap-add', cap]);
    const create = await daemon.ctr([
      'c',
      'create',
      '--rootfs',
      '--seccomp',
      ...capFlags,
      busyboxRootfs(),
      id,
    ]);
    assert.equal(create.code, 0, create.stderr);
    try {
      const info = await daemon.ctr(['c', 'info', id]);
      assert.equal(info.code, 0, info.stderr);
      const spec = (
        JSON.parse(info.stdout) as {
          Spec: { process: { capabilities: { bounding: string[] } }; linux: { seccomp: LinuxSeccomp } };
        }
      ).Spec;
      return { seccomp: spec.linux.seccomp, bounding: spec.process.capabilities.bounding };
    } finally {
      await daemon.ctr(['c', 'rm', id]);
    }
  }

  for (const capAdd of [[], ['CAP_SYS_ADMIN'], ['CAP_SYS_PTRACE', 'CAP_BPF', 'CAP_SYS_TIME']]) {
    test(
      `same rules as ctr c create --seccomp ${capAdd.map((c) => `--cap-add ${c}`).join(' ')}`.trim(),
      async () => {
        const theirs = await containerdProfile(capAdd);
        const ours = buildSeccomp(defaultProfile(), {
          arch: hostGoArch(),
          capabilities: theirs.bounding,
          kernel: hostKernelVersion(),
        });
        for (const cap of capAdd) assert.ok(theirs.bounding.includes(cap), cap);
        assert.equal(ours.defaultAction, theirs.seccomp.defaultAction);
        assert.equal(ours.defaultErrnoRet, theirs.seccomp.defaultErrnoRet);
        assert.deepEqual(new Set(ours.architectures), new Set(theirs.seccomp.architectures));

        const ourKeys = ruleKeys(ours);
        const theirKeys = ruleKeys(theirs.seccomp);
        const actual = {
          onlyOurs: [...ourKeys].filter((k) => !theirKeys.has(k)).sort(),
          onlyTheirs: [...theirKeys].filter((k) => !ourKeys.has(k)).sort(),
        };
        assert.deepEqual(actual, expectedDifference(version), `containerd ${version.join('.')}`);
        assert.ok(
          ![...theirKeys].some((k) => k.includes('io_uring')),
          'containerd 2.x allows no io_uring either',
        );
      },
    );
  }
});
