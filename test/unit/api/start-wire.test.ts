// The hand-written decoder `start` uses must agree with the protobufjs codec on every message it reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../../src/api/codec.ts';
import { packAny } from '../../../src/api/any.ts';
import { TypeNames } from '../../../src/api/types.ts';
import {
  decodeAny,
  decodeBootstrapParams,
  decodeShimCgroup,
  encodeBootstrapResult,
  encodeDeleteResponse,
} from '../../../src/api/start-wire.ts';

test('BootstrapParams as containerd 2.3 sends it, negative log level and all', () => {
  const options = packAny(TypeNames.runcOptions, { shim_cgroup: '/kubepods/pod1', binary_name: 'runc' });
  const bytes = encode(TypeNames.bootstrapParams, {
    instance_id: 'c1',
    namespace: 'k8s.io',
    log_level: -4, // DEBUG: a 10-byte varint
    containerd_version: 'v2.3.0',
    containerd_ttrpc_address: '/run/containerd/containerd.sock.ttrpc',
    containerd_grpc_address: '/run/containerd/containerd.sock',
    containerd_binary: '/usr/bin/containerd',
    extensions: [{ value: packAny(TypeNames.checkpointOptions, { exit: true }) }, { value: options }],
    socket_dir: '/run/containerd/s',
  });
  const p = decodeBootstrapParams(bytes);
  assert.equal(p.instance_id, 'c1');
  assert.equal(p.namespace, 'k8s.io');
  assert.equal(p.socket_dir, '/run/containerd/s');
  assert.deepEqual(
    p.extensions.map((e) => e.type_url),
    ['containerd.runc.v1.CheckpointOptions', 'containerd.runc.v1.Options'],
  );
  assert.deepEqual(Buffer.from(p.extensions[1]!.value), Buffer.from(options.value));
  assert.equal(decodeShimCgroup(p.extensions[1]!.value), '/kubepods/pod1');
});

test('socket_dir absent stays undefined, present-but-empty stays empty', () => {
  assert.equal(
    decodeBootstrapParams(encode(TypeNames.bootstrapParams, { instance_id: 'a' })).socket_dir,
    undefined,
  );
  assert.equal(
    decodeBootstrapParams(encode(TypeNames.bootstrapParams, { instance_id: 'a', socket_dir: '' })).socket_dir,
    '',
  );
});

test('the legacy options Any decodes', () => {
  const any = packAny(TypeNames.runcOptions, { shim_cgroup: '/x' });
  const back = decodeAny(encode(TypeNames.any, any));
  assert.equal(back.type_url, 'containerd.runc.v1.Options');
  assert.equal(decodeShimCgroup(back.value), '/x');
});

test('BootstrapResult bytes equal the codec encoding', () => {
  const address = `unix:///run/containerd/s/${'a'.repeat(64)}`;
  assert.deepEqual(
    Buffer.from(encodeBootstrapResult(3, address, 'ttrpc')),
    Buffer.from(encode(TypeNames.bootstrapResult, { version: 3, address, protocol: 'ttrpc' })),
  );
});

test('truncated and invalid input throws instead of returning garbage', () => {
  const good = encode(TypeNames.bootstrapParams, { instance_id: 'abcdef', namespace: 'ns' });
  assert.throws(() => decodeBootstrapParams(good.subarray(0, good.length - 2)), /truncated/);
  assert.throws(() => decodeBootstrapParams(Uint8Array.from([0x0f])), /invalid wire type/);
  assert.throws(() => decodeBootstrapParams(Uint8Array.from([0x0a, 0x02, 0xff, 0xfe])), TypeError);
  // `{"version":3}` as a 2.x JSON answer would be: the decoder must reject it, not misread it
  assert.throws(() => decodeBootstrapParams(Buffer.from('{"version":3}')));
});

test('DeleteResponse bytes decode with the codec to the same values', () => {
  const at = new Date('2026-11-27T19:00:00.123Z');
  const out = decode<{ pid: number; exit_status: number; exited_at: { seconds: number; nanos: number } }>(
    TypeNames.deleteResponse,
    encodeDeleteResponse(0xffffffff, 137, at),
  );
  assert.equal(out.pid, 4294967295);
  assert.equal(out.exit_status, 137);
  assert.deepEqual(out.exited_at, { seconds: Math.floor(at.getTime() / 1000), nanos: 123_000_000 });
  assert.deepEqual(
    Buffer.from(encodeDeleteResponse(42, 0, at)),
    Buffer.from(
      encode(TypeNames.deleteResponse, {
        pid: 42,
        exit_status: 0,
        exited_at: { seconds: Math.floor(at.getTime() / 1000), nanos: 123_000_000 },
      }),
    ),
  );
});
