// `tsshim info` prints the shim's -info as JSON with the runtime's features; containerd 2.x's
// `ctr plugins inspect-runtime` (the introspection service running our shim's -info) shows the same features.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipReason, withContainerd } from '../../helpers/containerd.ts';
import { tsshimBin } from '../../helpers/live-shim.ts';
import { repoRoot } from '../../helpers/rootfs.ts';

const built = JSON.parse(readFileSync(join(repoRoot, 'dist', 'build-info.json'), 'utf8')) as {
  version: string;
  revision: string;
};

interface InspectedRuntime {
  Name: string;
  Version: { Version: string; Revision: string } | null;
  Options: Record<string, unknown> | null;
  Features: {
    ociVersionMin?: string;
    ociVersionMax?: string;
    hooks?: string[];
    mountOptions?: string[];
  } | null;
}

/** What `<binary> features` prints, or null for a runtime too old to have the command (Debian 12's crun). */
function runtimeFeatures(binary = 'runc'): Record<string, unknown> | null {
  const res = spawnSync(binary, ['features'], { encoding: 'utf8' });
  return res.status === 0 ? (JSON.parse(res.stdout) as Record<string, unknown>) : null;
}

function tsshimInfo(args: string[] = []): InspectedRuntime {
  const res = spawnSync(process.execPath, [tsshimBin, 'info', ...args], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(res.stdout) as InspectedRuntime;
}

describe('tsshim info', () => {
  test('prints RuntimeInfo with the runc features, and echoes the options it was given', () => {
    const info = tsshimInfo();
    assert.equal(info.Name, 'io.containerd.runc.v2');
    assert.ok(info.Features?.ociVersionMin, 'runc 1.1+ answers features');
    assert.deepEqual(info.Features, runtimeFeatures());
    assert.equal(info.Options, null);

    const crun = tsshimInfo(['--binary', 'crun']);
    assert.deepEqual(crun.Options, { binary_name: 'crun' });
    assert.deepEqual(crun.Features, runtimeFeatures('crun'));
  });

  test(
    'ctr plugins inspect-runtime on containerd 2.x shows the runc features through tsshim',
    { skip: skipReason('2'), timeout: 120_000 },
    async () => {
      await withContainerd('2', { shim: 'tsshim' }, async (daemon) => {
        const res = await daemon.ctr([
          'plugins',
          'inspect-runtime',
          '--runtime',
          'io.containerd.runc.v2',
          '--runc-binary',
          'runc',
        ]);
        assert.equal(res.code, 0, res.stderr);
        const shown = JSON.parse(res.stdout) as InspectedRuntime;
        assert.equal(shown.Name, 'io.containerd.runc.v2');
        // the version and revision the build recorded (scripts/build-info.mjs)
        assert.deepEqual(shown.Version, { Version: built.version, Revision: built.revision });
        assert.deepEqual(shown.Features, runtimeFeatures());
        assert.deepEqual(shown.Options, { binary_name: 'runc' });
        // tsshim info prints the same shape as ctr
        assert.deepEqual(Object.keys(tsshimInfo()).sort(), Object.keys(shown).sort());
      });
    },
  );
});
