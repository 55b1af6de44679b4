import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSeccomp } from '../../../src/seccomp/build-seccomp.ts';
import { checkProfileFile, loadProfileFile, parseProfile } from '../../../src/seccomp/load-profile.ts';
import { pointerToJsonPath } from '../../../src/validation/json-path.ts';
import { DocumentValidationError } from '../../../src/validation/document-error.ts';

const fixture = (name: string) => new URL(`../../fixtures/seccomp/${name}`, import.meta.url).pathname;

async function issuePaths(file: string): Promise<Map<string, string>> {
  const check = await checkProfileFile(file);
  assert.equal(check.ok, false);
  return new Map(check.ok ? [] : check.issues.map((i) => [i.path, i.message]));
}

describe('seccomp profile validation', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsshim-seccomp-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('reports every broken rule with its JSON path', async () => {
    const issues = await issuePaths(fixture('broken-rules.json'));
    assert.deepEqual(
      [...issues.keys()].sort(),
      [
        '$.syscalls[0].names',
        '$.syscalls[1].action',
        '$.syscalls[2].args[0].op',
        '$.syscalls[3].action',
        '$.syscalls[4].includes.arches[0]',
        '$.syscalls[4].includes.minKernel',
        '$.syscalls[5].excludes.capabilities',
      ].sort(),
    );
    assert.equal(issues.get('$.syscalls[0].names'), 'is required');
    assert.match(issues.get('$.syscalls[1].action') ?? '', /allowed values.*"SCMP_ACT_ALLOW"/);
    assert.match(issues.get('$.syscalls[2].args[0].op') ?? '', /"SCMP_CMP_MASKED_EQ"/);
    assert.equal(
      issues.get('$.syscalls[3].action'),
      'errnoRet needs action SCMP_ACT_ERRNO or SCMP_ACT_TRACE',
    );
    assert.match(issues.get('$.syscalls[4].includes.minKernel') ?? '', /pattern/);
    assert.equal(issues.get('$.syscalls[5].excludes.capabilities'), 'is not an allowed property');
  });

  test('reports top-level problems with their paths', async () => {
    const issues = await issuePaths(fixture('broken-top-level.json'));
    assert.deepEqual(
      [...issues.keys()].sort(),
      ['$', '$.archMap.x86', '$.defaultAction', '$.listenerMetadata', '$.syscall'].sort(),
    );
    assert.equal(issues.get('$'), 'architectures and archMap cannot both be set');
    assert.equal(issues.get('$.listenerMetadata'), 'listenerMetadata needs listenerPath');
    assert.match(issues.get('$.archMap.x86') ?? '', /not an allowed name/);
  });

  test('reports a JSON syntax error at $', async () => {
    const file = join(dir, 'syntax.json');
    await writeFile(file, '{ "defaultAction": "SCMP_ACT_ERRNO", "syscalls": [ { "names": ["read"], } ] }');
    const issues = await issuePaths(file);
    assert.match(issues.get('$') ?? '', /^not valid JSON/);
  });

  test('loadProfileFile throws an error listing every issue', async () => {
    await assert.rejects(loadProfileFile(fixture('broken-rules.json')), (err: unknown) => {
      assert.ok(err instanceof DocumentValidationError);
      assert.equal(err.issues.length, 7);
      assert.match(err.message, /\$\.syscalls\[2\]\.args\[0\]\.op/);
      return true;
    });
  });

  test('a plain OCI linux.seccomp file is a valid profile and builds to itself', async () => {
    const profile = await loadProfileFile(fixture('oci-shape.json'));
    const built = buildSeccomp(profile, { arch: 'arm64', capabilities: [], kernel: null });
    assert.deepEqual(built, {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      architectures: ['SCMP_ARCH_X86_64'],
      flags: ['SECCOMP_FILTER_FLAG_LOG'],
      syscalls: [
        { names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' },
        {
          names: ['personality'],
          action: 'SCMP_ACT_ALLOW',
          args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }],
        },
        { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      ],
    });
  });

  test('includes need all listed capabilities; excludes drop on any', () => {
    const check = parseProfile(
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ERRNO',
        syscalls: [
          { names: ['a'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_X', 'CAP_Y'] } },
          { names: ['b'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_X', 'CAP_Z'] } },
          { names: ['c'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '5.10' } },
        ],
      }),
    );
    assert.ok(check.ok);
    const names = (caps: string[], major: number) =>
      (
        buildSeccomp(check.profile, { arch: 'amd64', capabilities: caps, kernel: { major, minor: 0 } })
          .syscalls ?? []
      )
        .flatMap((r) => r.names)
        .join(',');
    assert.equal(names(['CAP_X'], 5), 'c');
    assert.equal(names(['CAP_X', 'CAP_Y'], 5), 'a,c');
    assert.equal(names(['CAP_Y'], 6), 'b');
  });

  test('JSON pointers become readable JSON paths', () => {
    assert.equal(pointerToJsonPath(''), '$');
    assert.equal(pointerToJsonPath('/syscalls/3/args/0/op'), '$.syscalls[3].args[0].op');
    assert.equal(pointerToJsonPath('/archMap/mips64le~1x'), '$.archMap["mips64le/x"]');
  });
});
