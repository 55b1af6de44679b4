// The ustar writer behind the test image: GNU tar must read back exactly what was written, including names and
// link targets too long for the plain ustar fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tarEntries } from '../../helpers/tar.ts';

const longDir = `${'d'.repeat(60)}/${'e'.repeat(60)}`;
const unsplittable = 'n'.repeat(130);
const longTarget = `../${'t'.repeat(150)}`;

test('GNU tar extracts files, directories, symlinks and over-long names as written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsshim-tar-'));
  try {
    const archive = tarEntries([
      { type: 'dir', path: 'bin', mode: 0o755 },
      { type: 'file', path: 'bin/tool', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
      { type: 'symlink', path: 'bin/alias', target: 'tool' },
      { type: 'dir', path: 'tmp', mode: 0o1777 },
      { type: 'dir', path: longDir },
      { type: 'file', path: `${longDir}/split-by-prefix`, data: Buffer.from('prefix') },
      { type: 'file', path: unsplittable, data: Buffer.alloc(1000, 7) },
      { type: 'symlink', path: 'long-link', target: longTarget },
    ]);
    writeFileSync(join(dir, 'a.tar'), archive);
    const out = join(dir, 'out');
    execFileSync('mkdir', [out]);
    execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', out]);

    assert.equal(readFileSync(join(out, 'bin/tool'), 'utf8'), '#!/bin/sh\n');
    assert.equal(lstatSync(join(out, 'bin/tool')).mode & 0o777, 0o755);
    assert.equal(readlinkSync(join(out, 'bin/alias')), 'tool');
    assert.equal(lstatSync(join(out, 'tmp')).mode & 0o7777, 0o1777);
    assert.equal(readFileSync(join(out, longDir, 'split-by-prefix'), 'utf8'), 'prefix');
    assert.deepEqual(readFileSync(join(out, unsplittable)), Buffer.alloc(1000, 7));
    assert.equal(readlinkSync(join(out, 'long-link')), longTarget);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the same entries always give the same bytes (stable image digests)', () => {
  const entries = () => [{ type: 'file' as const, path: 'a', data: Buffer.from('x') }];
  assert.deepEqual(tarEntries(entries()), tarEntries(entries()));
});
