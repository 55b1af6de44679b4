// mount(2)/umount2(2) for real (we are root), including containerd's chdir trick for long overlay options.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { native } from '../../../src/native/index.ts';

const MNT_DETACH = 2;
const root = mkdtempSync(join(tmpdir(), 'tsshim-mount-'));
const mounted: string[] = [];
after(() => {
  for (const target of mounted.reverse()) {
    try {
      native().umount2(target, MNT_DETACH);
    } catch {
      // unmounted by the test itself
    }
  }
  rmSync(root, { recursive: true, force: true });
});

function isMountPoint(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === path);
}

test('mount a tmpfs, use it, unmount it', () => {
  const target = join(root, 'tmpfs');
  mkdirSync(target);
  native().mount('tsshim-test', target, 'tmpfs', 0, 'size=1m');
  mounted.push(target);
  assert.ok(isMountPoint(target));
  writeFileSync(join(target, 'f'), 'x');
  native().umount2(target, 0);
  assert.ok(!isMountPoint(target));
  assert.ok(!existsSync(join(target, 'f')));
});

test('overlay whose lowerdir list only fits in a page as paths relative to cwd', () => {
  // A long common parent makes the absolute option string exceed the 4096-byte page mount(2) copies.
  const base = join(root, 'l'.repeat(200), 'snapshots');
  const lowers = Array.from({ length: 30 }, (_, i) => `${i}/fs`);
  lowers.forEach((lower, i) => {
    mkdirSync(join(base, lower), { recursive: true });
    writeFileSync(join(base, lower, `from-${i}`), String(i));
  });
  mkdirSync(join(base, 'upper'));
  mkdirSync(join(base, 'work'));
  const target = join(root, 'merged');
  mkdirSync(target);
  const options = (prefix: string): string =>
    `lowerdir=${lowers.map((l) => prefix + l).join(':')},upperdir=${prefix}upper,workdir=${prefix}work`;
  assert.ok(options(`${base}/`).length > 4096 && options('').length < 4096);

  native().mount('overlay', target, 'overlay', 0, options(''), base);
  mounted.push(target);
  assert.equal(readFileSync(join(target, 'from-0'), 'utf8'), '0');
  assert.equal(readFileSync(join(target, 'from-29'), 'utf8'), '29');
  native().umount2(target, 0);
  assert.ok(!isMountPoint(target));
});

test('the process cwd is untouched by a mount run in another directory', () => {
  const before = readlinkSync('/proc/self/cwd'); // process.cwd() is cached by Node; ask the kernel
  const target = join(root, 'cwd-check');
  mkdirSync(target);
  native().mount('tsshim-test', target, 'tmpfs', 0, '', root);
  mounted.push(target);
  assert.equal(readlinkSync('/proc/self/cwd'), before);
  native().umount2(target, 0);
});

test('mount and umount2 errors carry the errno name and the paths', () => {
  assert.throws(() => native().umount2(root, 0), {
    code: 'EINVAL',
    message: new RegExp(`^unmount ${root}: `),
  });
  assert.throws(() => native().mount('none', join(root, 'missing'), 'tmpfs', 0, ''), {
    code: 'ENOENT',
    message: /^mount none on .*missing: no such file or directory$/,
  });
  assert.throws(() => native().mount('none', root, 'tmpfs', 0, '', join(root, 'no-such-dir')), {
    code: 'ENOENT',
    message: /no-such-dir/,
  });
  assert.throws(() => native().mount('none', root, 'no-such-fs', 0, ''), { code: 'ENODEV' });
});
