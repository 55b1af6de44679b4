import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { groupId, socketAddress, socketPath } from '../../../src/contract/shim-address.ts';
import { native } from '../../../src/native/index.ts';
import { shimSocketAddress } from '../../../src/shim/socket-address.ts';

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

test("the addon's SHA-256 (what the shim names its socket with) gives node:crypto's address for any id", () => {
  const { sha256Hex } = native();
  // FIPS 180-2's examples, then what ids and paths can hold: multibyte UTF-8, a long name, an empty one
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(
    sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  );
  for (const id of ['c1', '', 'é€😀-pod', 'x'.repeat(70_000), 'a\u0000b']) {
    assert.equal(
      shimSocketAddress('/run/containerd/containerd.sock', 'k8s.io', id),
      socketAddress('/run/containerd/containerd.sock', 'k8s.io', id),
      JSON.stringify(id.slice(0, 20)),
    );
  }
  assert.throws(() => (sha256Hex as (t: unknown) => string)(42), /string/);
});
