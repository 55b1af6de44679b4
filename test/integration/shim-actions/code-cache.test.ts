import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DAEMON_NODE_FLAGS } from '../../../src/shim/boot/daemon-flags.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const shimDir = join(repoRoot, 'dist', 'shim');

/** loads a built bundle the way main.cjs does, under the given node flags; true when V8 took its code cache */
function takesCache(name: string, flags: readonly string[]): boolean {
  const out = execFileSync(
    process.execPath,
    [
      ...flags,
      '--import',
      'tsx',
      '-e',
      `import('${join(repoRoot, 'src', 'shim', 'boot', 'bundle-loader.ts')}').then(({ loadBundle }) => process.stdout.write(String(loadBundle(${JSON.stringify(shimDir)}, ${JSON.stringify(name)}).cached)))`,
    ],
    { encoding: 'utf8', cwd: repoRoot },
  );
  return out.trim() === 'true';
}

test('npm run build made code caches that V8 takes under the flags each bundle runs with', () => {
  for (const name of ['start', 'delete', 'daemon'])
    assert.ok(existsSync(join(shimDir, `${name}.cjs.cache`)), name);
  assert.equal(takesCache('start', []), true);
  assert.equal(takesCache('delete', []), true);
  assert.equal(takesCache('daemon', DEFAULT_DAEMON_NODE_FLAGS), true);
  // V8 refuses a cache made under other V8 flags: the daemon's is made under its own (--jitless), not node's
  // defaults
  assert.equal(takesCache('daemon', []), false);
});
