import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs/light.js';
import descriptor from '../../../src/api/descriptor.json' with { type: 'json' };
import { installLazyCodegen } from '../../../src/api/lazy-codegen.ts';

// protobufjs's own setup, saved before the lazy one replaces it
const stockSetup = protobuf.Type.prototype.setup;

function stockRoot(): protobuf.Root {
  const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
  return root;
}

const samples: [string, Record<string, unknown>][] = [
  [
    'containerd.task.v2.CreateTaskRequest',
    {
      id: 'c1',
      bundle: '/run/b',
      rootfs: [{ type: 'overlay', source: 'overlay', options: ['lowerdir=/a', 'upperdir=/b'] }],
      terminal: true,
      stdout: '/fifo/out',
      options: { type_url: 'containerd.runc.v1.Options', value: Buffer.from([0x08, 0x01]) },
    },
  ],
  [
    'containerd.task.v2.StateResponse',
    { id: 'c1', pid: 42, status: 2, exit_status: 137, exited_at: { seconds: 5, nanos: 7 } },
  ],
  [
    'containerd.types.Envelope',
    {
      timestamp: { seconds: 1 },
      namespace: 'k8s.io',
      topic: '/tasks/exit',
      event: { type_url: 'x', value: Buffer.from('y') },
    },
  ],
  ['google.protobuf.Any', { type_url: 'containerd.runc.v1.Options', value: Buffer.from([1, 2, 3]) }],
];

test('each generated function appears on first use, with the bytes and objects protobufjs makes', () => {
  const stock = stockRoot();
  installLazyCodegen();
  const lazy = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
  const options = { longs: Number, enums: Number, defaults: true, arrays: true, objects: true };
  for (const [name, value] of samples) {
    const s = stock.lookupType(name);
    stockSetup.call(s);
    const l = lazy.lookupType(name);
    const stockBytes = s.encode(s.fromObject(value)).finish();
    const lazyBytes = l.encode(l.fromObject(value)).finish();
    assert.deepEqual(Buffer.from(lazyBytes), Buffer.from(stockBytes), name);
    assert.deepEqual(
      l.toObject(l.decode(lazyBytes), options),
      s.toObject(s.decode(stockBytes), options),
      name,
    );
    assert.equal(l.verify(value), s.verify(value), name);
  }
});

test('a type used one way only never generates the rest', () => {
  installLazyCodegen();
  const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
  const t = root.lookupType('containerd.task.v2.StateRequest');
  const bytes = t.encode({ id: 'c1' }).finish();
  assert.deepEqual(Buffer.from(bytes), Buffer.from([0x0a, 0x02, 0x63, 0x31]));
  for (const name of ['decode', 'verify', 'fromObject', 'toObject']) {
    const d = Object.getOwnPropertyDescriptor(t, name);
    assert.ok(d?.get, `${name} is still to be generated`);
  }
  assert.equal(typeof Object.getOwnPropertyDescriptor(t, 'encode')?.value, 'function');
});
