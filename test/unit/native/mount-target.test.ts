// A Mount's target stays inside the container's root whatever the image put on the way: `..` stops at the root,
// absolute and relative symlinks are resolved as if the root were `/`, a loop fails with a clear error. Real
// tmpfs mounts (we are root); nothing outside the root may be mounted on or changed.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Mount } from '../../../src/api/types.ts';
import { native } from '../../../src/native/index.ts';
import { mountOne, mountRootfs } from '../../../src/shim/mount/mount.ts';
import { MAX_SYMLINKS, resolveInRoot } from '../../../src/shim/mount/root-path.ts';

const MNT_DETACH = 2;
const base = mkdtempSync(join(tmpdir(), 'tsshim-mount-target-'));

function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((p) => p === base || p.startsWith(`${base}/`));
}

after(() => {
  // deepest first; a mount that escaped (the bug these tests are about) is undone too
  for (const p of mountPoints().sort((a, b) => b.length - a.length)) native().umount2(p, MNT_DETACH);
  rmSync(base, { recursive: true, force: true });
});

let n = 0;
/** A fresh case: `<case>/rootfs` and, beside it, `<case>/outside` with a file the test checks stays as it was. */
function layout(): { rootfs: string; outside: string } {
  const dir = join(base, `case${n++}`);
  const rootfs = join(dir, 'rootfs');
  const outside = join(dir, 'outside');
  mkdirSync(rootfs, { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'sentinel'), 'host data');
  return { rootfs, outside };
}

function tmpfs(target: string): Mount {
  return { type: 'tmpfs', source: 'tsshim-test', target, options: ['size=1m'] };
}

/** Nothing outside the root was mounted on, and its content is what it was. */
function assertOutsideUntouched(outside: string): void {
  assert.ok(!mountPoints().includes(outside), `${outside} was mounted on`);
  assert.deepEqual(readdirSync(outside), ['sentinel']);
  assert.equal(readFileSync(join(outside, 'sentinel'), 'utf8'), 'host data');
}

describe('mount targets under the rootfs, with real mounts', () => {
  test('a target with .. is clamped at the root', () => {
    const { rootfs, outside } = layout();
    mkdirSync(join(rootfs, 'outside'));
    mountOne(tmpfs('../outside'), rootfs);
    assert.ok(mountPoints().includes(join(rootfs, 'outside')), 'mounted inside the root');
    assertOutsideUntouched(outside);
  });

  test('an absolute symlink in the rootfs is resolved from the root, not from the host', () => {
    const { rootfs, outside } = layout();
    // an image layer's `data -> /<the host path of outside>`
    symlinkSync(outside, join(rootfs, 'data'));
    mkdirSync(join(rootfs, outside), { recursive: true });
    mountOne(tmpfs('data'), rootfs);
    assert.ok(mountPoints().includes(join(rootfs, outside)), 'mounted at the link target inside the root');
    assertOutsideUntouched(outside);
  });

  test('a relative symlink that climbs out of the rootfs is clamped at the root', () => {
    const { rootfs, outside } = layout();
    mkdirSync(join(rootfs, 'var'));
    // from <rootfs>/var, ../../outside is the host's <case>/outside
    symlinkSync('../../outside', join(rootfs, 'var', 'lib'));
    mkdirSync(join(rootfs, 'outside'));
    mountOne(tmpfs('/var/lib'), rootfs);
    assert.ok(mountPoints().includes(join(rootfs, 'outside')), 'mounted inside the root');
    assertOutsideUntouched(outside);
  });

  test('a link whose target does not exist inside the root fails, and nothing outside is mounted', () => {
    const { rootfs, outside } = layout();
    symlinkSync(outside, join(rootfs, 'data'));
    assert.throws(() => mountRootfs([tmpfs('data')], rootfs), {
      code: 'ENOENT',
      message: new RegExp(`^mount tsshim-test on ${rootfs}${outside}: no such file or directory$`),
    });
    assert.deepEqual(
      mountPoints().filter((p) => p.startsWith(join(rootfs, '..'))),
      [],
    );
    assertOutsideUntouched(outside);
  });

  test('a symlink loop fails with a clear error and mounts nothing', () => {
    const { rootfs, outside } = layout();
    symlinkSync('loop-b', join(rootfs, 'loop-a'));
    symlinkSync('/loop-a', join(rootfs, 'loop-b'));
    mkdirSync(join(rootfs, 'sub'));
    assert.throws(() => mountRootfs([tmpfs('sub'), tmpfs('loop-a/x')], rootfs), {
      message: `mount tsshim-test at "loop-a/x" under ${rootfs}: more than 255 symbolic links (a loop?)`,
    });
    // the first mount was undone
    assert.deepEqual(
      mountPoints().filter((p) => p.startsWith(join(rootfs, '..'))),
      [],
    );
    assertOutsideUntouched(outside);
  });

  test('mounts after the first are resolved in what the first one mounted', () => {
    const { rootfs, outside } = layout();
    mountOne(tmpfs(''), rootfs);
    // this link exists only in the tmpfs just mounted on the root
    mkdirSync(join(rootfs, 'real'));
    symlinkSync('/../../../outside/..', join(rootfs, 'etc'));
    mkdirSync(join(rootfs, 'real', 'x'));
    mountOne(tmpfs('etc/real/x'), rootfs);
    assert.ok(mountPoints().includes(join(rootfs, 'real', 'x')));
    assertOutsideUntouched(outside);
  });
});

describe('resolveInRoot', () => {
  test('empty, `.`, `/` and `..` name the root itself; an absolute path is taken under the root', () => {
    const { rootfs } = layout();
    for (const p of ['', '.', '/', '..', '../..', '/../.']) assert.equal(resolveInRoot(rootfs, p), rootfs, p);
    assert.equal(resolveInRoot(rootfs, '/a/b/'), join(rootfs, 'a/b'));
    assert.equal(resolveInRoot(rootfs, 'a/../../b'), join(rootfs, 'b'));
  });

  test('links are followed inside the root, also in the middle of the path and through other links', () => {
    const { rootfs } = layout();
    mkdirSync(join(rootfs, 'usr/lib'), { recursive: true });
    symlinkSync('usr/lib', join(rootfs, 'lib'));
    symlinkSync('/lib', join(rootfs, 'lib64'));
    symlinkSync('../../..', join(rootfs, 'usr/lib/up'));
    assert.equal(resolveInRoot(rootfs, 'lib64/modules'), join(rootfs, 'usr/lib/modules'));
    assert.equal(resolveInRoot(rootfs, 'lib/up/etc'), join(rootfs, 'etc'));
    assert.equal(resolveInRoot(rootfs, 'lib64/../x'), join(rootfs, 'usr/x'));
  });

  test(`a chain of ${MAX_SYMLINKS} links resolves; one more is refused`, () => {
    const { rootfs } = layout();
    mkdirSync(join(rootfs, 'end'));
    for (let i = 0; i < MAX_SYMLINKS + 1; i++)
      symlinkSync(i === MAX_SYMLINKS ? 'end' : `l${i + 1}`, join(rootfs, `l${i}`));
    assert.equal(resolveInRoot(rootfs, 'l1'), join(rootfs, 'end'));
    assert.throws(() => resolveInRoot(rootfs, 'l0'), /more than 255 symbolic links/);
  });

  test('below a regular file or a missing directory the path is kept as written', () => {
    const { rootfs } = layout();
    writeFileSync(join(rootfs, 'file'), '');
    assert.equal(resolveInRoot(rootfs, 'file/x'), join(rootfs, 'file/x'));
    assert.equal(resolveInRoot(rootfs, 'missing/y/../z'), join(rootfs, 'missing/z'));
  });
});
