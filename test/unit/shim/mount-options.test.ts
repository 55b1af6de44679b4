import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactOverlayData, MS, parseMountOptions } from '../../../src/shim/mount/options.ts';
import { mountPointsUnder } from '../../../src/shim/mount/unmount.ts';

test('fstab flags become mount flags, the rest stays data', () => {
  const p = parseMountOptions(['ro', 'nosuid', 'nodev', 'index=off', 'lowerdir=/a:/b']);
  assert.equal(p.flags, MS.RDONLY | MS.NOSUID | MS.NODEV);
  assert.deepEqual(p.data, ['index=off', 'lowerdir=/a:/b']);
  assert.equal(p.loop, false);
});

test('clearing options undo earlier ones, in order', () => {
  assert.equal(parseMountOptions(['ro', 'rw']).flags, 0);
  assert.equal(parseMountOptions(['noexec', 'exec', 'nosuid']).flags, MS.NOSUID);
});

test('rbind and propagation options', () => {
  assert.equal(parseMountOptions(['rbind', 'rprivate']).flags, MS.BIND | MS.REC | MS.PRIVATE);
  assert.equal(parseMountOptions(['loop']).loop, true);
});

test('short overlay data is left alone', () => {
  const data = ['lowerdir=/var/lib/s/1/fs:/var/lib/s/2/fs', 'upperdir=/u', 'workdir=/w'];
  assert.deepEqual(compactOverlayData(data, 3584), { data });
});

test('long overlay lowerdirs are made relative to their common parent', () => {
  const lowers = Array.from({ length: 120 }, (_, i) => `/var/lib/containerd/snapshots/${1000 + i}/fs`);
  const data = [`lowerdir=${lowers.join(':')}`, 'upperdir=/x/u', 'workdir=/x/w'];
  const out = compactOverlayData(data, 3584);
  assert.equal(out.cwd, '/var/lib/containerd/snapshots');
  assert.equal(out.data[0], `lowerdir=${lowers.map((_, i) => `${1000 + i}/fs`).join(':')}`);
  assert.deepEqual(out.data.slice(1), ['upperdir=/x/u', 'workdir=/x/w']);
  assert.ok(out.data.join(',').length < data.join(',').length);
});

test('mount points under a path are listed deepest first, escapes decoded, siblings excluded', () => {
  const info = [
    '1 0 8:1 / / rw - ext4 /dev/vda rw',
    '2 1 0:5 / /b/rootfs rw - overlay overlay rw',
    '3 2 0:6 / /b/rootfs/proc rw - proc proc rw',
    '4 1 0:7 / /b/rootfs2 rw - tmpfs tmpfs rw',
    '5 2 0:8 / /b/rootfs/with\\040space rw - tmpfs tmpfs rw',
  ].join('\n');
  assert.deepEqual(mountPointsUnder('/b/rootfs', info), [
    '/b/rootfs/with space',
    '/b/rootfs/proc',
    '/b/rootfs',
  ]);
});
