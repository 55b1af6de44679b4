import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundle, loadedBundles } from '../../../src/shim/boot/bundle-loader.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function bundleDir(t: { after(fn: () => void): void }, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsshim-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, `${name}.cjs`),
    [
      "const { join } = require('node:path');",
      'function twice(n) { return n * 2; }',
      'exports.answer = twice(21);',
      'exports.dir = __dirname;',
      'exports.file = __filename;',
      "exports.sibling = join(__dirname, 'x');",
    ].join('\n'),
  );
  return dir;
}

function makeCache(dir: string, name: string): void {
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'code-cache.cjs'), join(dir, `${name}.cjs`)]);
}

test('loads a bundle with the code cache made for it, as require would', (t) => {
  const dir = bundleDir(t, 'withcache');
  makeCache(dir, 'withcache');
  const loaded = loadBundle(dir, 'withcache');
  assert.equal(loaded.cached, true);
  const exports = loaded.exports as Record<string, unknown>;
  assert.equal(exports.answer, 42);
  assert.equal(exports.dir, dir);
  assert.equal(exports.file, join(dir, 'withcache.cjs'));
  assert.equal(exports.sibling, join(dir, 'x'));
  assert.equal(loadedBundles().withcache, true);
});

test('a cache V8 refuses (another version, other flags, corrupt) only costs the compile', (t) => {
  const dir = bundleDir(t, 'badcache');
  writeFileSync(join(dir, 'badcache.cjs.cache'), Buffer.from('not a V8 code cache'));
  const loaded = loadBundle(dir, 'badcache');
  assert.equal(loaded.cached, false);
  assert.equal((loaded.exports as Record<string, unknown>).answer, 42);
  assert.equal(loadedBundles().badcache, false);
});

test('no cache, or TSSHIM_CODE_CACHE=0: a plain require', (t) => {
  const dir = bundleDir(t, 'nocache');
  assert.equal(loadBundle(dir, 'nocache').cached, false);
  const off = bundleDir(t, 'off');
  makeCache(off, 'off');
  process.env.TSSHIM_CODE_CACHE = '0';
  t.after(() => delete process.env.TSSHIM_CODE_CACHE);
  const loaded = loadBundle(off, 'off');
  assert.equal(loaded.cached, false);
  assert.equal((loaded.exports as Record<string, unknown>).answer, 42);
});
