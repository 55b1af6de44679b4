// src/api/lazy-codegen.ts replaces protobufjs's Type.prototype.setup with one that generates each function on its
// first use, through protobufjs's own generators. It depends on internals no semver covers, so protobufjs is
// pinned to the exact version it was written against, and these tests fail loudly when that version, or the
// internals it mirrors, change: read the new setup() and the generators, and adapt lazySetup before taking it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import protobuf from 'protobufjs/light.js';
import descriptor from '../../../src/api/descriptor.json' with { type: 'json' };
import { installLazyCodegen } from '../../../src/api/lazy-codegen.ts';

// protobufjs's own setup, saved before the lazy one replaces it
const stockSetup = protobuf.Type.prototype.setup;

/** the protobufjs the patch was written against; package.json must name exactly this one */
const PINNED = '7.6.6';

const fingerprint = (fn: unknown): string =>
  createHash('sha256').update(String(fn)).digest('hex').slice(0, 16);

test(`protobufjs is pinned to exactly ${PINNED}, the version lazy-codegen.ts mirrors`, () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  assert.equal(pkg.dependencies.protobufjs, PINNED, 'package.json: protobufjs without a range');
  const installed = createRequire(import.meta.url)('protobufjs/package.json') as { version: string };
  assert.equal(installed.version, PINNED, 'the installed protobufjs (npm ci?)');
});

test("protobufjs's setup and the stubs that call it are still the code lazySetup reproduces", () => {
  const type = protobuf.Type.prototype as unknown as Record<string, unknown>;
  const seen = {
    setup: fingerprint(stockSetup),
    encode: fingerprint(type.encode),
    decode: fingerprint(type.decode),
    verify: fingerprint(type.verify),
    fromObject: fingerprint(type.fromObject),
    toObject: fingerprint(type.toObject),
  };
  assert.deepEqual(
    seen,
    {
      setup: '185f533014170e8e',
      encode: 'eb5bcb1962ca8b36',
      decode: '8447acd1886394bb',
      verify: '26f984c252728876',
      fromObject: 'cd49725a2bef1ceb',
      toObject: 'd1ee30ade5b3e60c',
    },
    "protobufjs's Type.prototype.setup or its encode/decode/verify/fromObject/toObject stubs changed: " +
      'compare them with src/api/lazy-codegen.ts before taking this version',
  );
  // what lazySetup reads from protobufjs, by the names it reads them
  const pb = protobuf as unknown as Record<string, unknown> & {
    converter: Record<string, unknown>;
    wrappers: Record<string, Record<string, unknown> | undefined>;
  };
  for (const name of ['encoder', 'decoder', 'verifier'])
    assert.equal(typeof pb[name], 'function', `protobuf.${name}`);
  for (const name of ['fromObject', 'toObject'])
    assert.equal(typeof pb.converter[name], 'function', `protobuf.converter.${name}`);
  assert.deepEqual(Object.keys(pb.wrappers), ['.google.protobuf.Any']);
  assert.equal(typeof pb.wrappers['.google.protobuf.Any']?.fromObject, 'function');
  assert.equal(typeof pb.wrappers['.google.protobuf.Any']?.toObject, 'function');
  for (const name of ['Writer', 'Reader', 'util']) assert.ok(pb[name], `protobuf.${name}`);
});

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
