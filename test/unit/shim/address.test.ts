import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { groupId, socketAddress, socketPath } from '../../../src/contract/shim-address.ts';

test('the socket address is sha256 of <address>/<namespace>/<group id> under /run/containerd/s', () => {
  const expected = createHash('sha256').update('/run/containerd/containerd.sock/default/c1').digest('hex');
  const addr = socketAddress('/run/containerd/containerd.sock', 'default', 'c1');
  assert.equal(addr, `unix:///run/containerd/s/${expected}`);
  assert.equal(socketPath(addr), `/run/containerd/s/${expected}`);
  // 64 hex chars + the dir stays far below the 106-byte sun_path limit
  assert.ok(socketPath(addr).length < 106);
});

test('a 2.3+ socket_dir replaces the default directory', () => {
  assert.match(
    socketAddress('/a.sock', 'ns', 'id', '/tmp/containerd-s-0'),
    /^unix:\/\/\/tmp\/containerd-s-0\/[0-9a-f]{64}$/,
  );
});

test('grouping: the runc group annotation wins over the CRI sandbox id, then the container id', () => {
  assert.equal(
    groupId('c1', { 'io.containerd.runc.v2.group': 'g', 'io.kubernetes.cri.sandbox-id': 's' }),
    'g',
  );
  assert.equal(groupId('c1', { 'io.kubernetes.cri.sandbox-id': 's' }), 's');
  assert.equal(groupId('c1', { other: 'x' }), 'c1');
  assert.equal(groupId('c1', undefined), 'c1');
});
