// What a spare accepts as a handover: only a complete one of this version; anything else (a stray connection,
// a hostile peer, another version's message) is refused and the spare keeps waiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeAcknowledgement,
  decodeHandover,
  encode,
  HANDOVER_VERSION,
  type Handover,
} from '../../../../src/shim/spare/protocol.ts';
import { spareName } from '../../../../src/shim/spare/identity.ts';

const good: Handover = {
  version: HANDOVER_VERSION,
  flags: {
    namespace: 'k8s.io',
    id: 'abc',
    address: '/run/containerd/containerd.sock',
    publishBinary: '',
    debug: false,
  },
  bundle: '/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc',
  env: { TTRPC_ADDRESS: '/run/containerd/containerd.sock.ttrpc', NAMESPACE: 'k8s.io' },
  title: 'containerd-shim-runc-v2 -namespace k8s.io -id abc -address /run/containerd/containerd.sock',
};

test('a complete handover round-trips', () => {
  assert.deepEqual(decodeHandover(encode(good)), good);
});

test('anything else is refused', () => {
  const variants: unknown[] = [
    { ...good, version: 2 },
    { ...good, bundle: 'relative/path' },
    { ...good, flags: { ...good.flags, id: '' } },
    { ...good, flags: { ...good.flags, namespace: 7 } },
    { ...good, env: { A: 1 } },
    { ...good, title: undefined },
    null,
    [],
  ];
  for (const v of variants)
    assert.equal(decodeHandover(Buffer.from(JSON.stringify(v))), undefined, JSON.stringify(v));
  assert.equal(decodeHandover(Buffer.from('{not json')), undefined);
  assert.equal(decodeHandover(new Uint8Array()), undefined);
});

test('an acknowledgement names a plausible pid', () => {
  assert.deepEqual(decodeAcknowledgement(encode({ pid: 4242 })), { pid: 4242 });
  for (const pid of [0, 1, -5, 1.5, '7'])
    assert.equal(decodeAcknowledgement(Buffer.from(JSON.stringify({ pid }))), undefined);
  assert.equal(decodeAcknowledgement(new Uint8Array()), undefined);
});

test('one name per containerd address and build; it fits an abstract socket name', () => {
  const a = spareName('/run/containerd/containerd.sock', 'build-1');
  assert.equal(a, spareName('/run/containerd/containerd.sock', 'build-1'));
  assert.notEqual(a, spareName('/run/containerd/other.sock', 'build-1'));
  assert.notEqual(a, spareName('/run/containerd/containerd.sock', 'build-2'));
  assert.ok(a.length < 100);
});
