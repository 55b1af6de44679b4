import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../../src/api/codec.ts';
import { packAny, typeNameOf, unpackAny, unpackJsonAny, ociTypeUrls } from '../../../src/api/any.ts';
import { fromTimestamp, goZeroTime, isGoZeroTime, toTimestamp } from '../../../src/api/timestamp.ts';
import { TypeNames, type RuncOptions } from '../../../src/api/types.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('StateRequest with an empty exec_id encodes like Go (the default is omitted)', () => {
  assert.equal(hex(encode(TypeNames.stateRequest, { id: 'abc', exec_id: '' })), '0a03616263');
});

test('StateResponse encodes to the bytes of the reference vector', () => {
  // reference ttrpc-protocol.md §11.3: StateResponse{id:"abc", pid:42, status:RUNNING}
  assert.equal(
    hex(encode(TypeNames.stateResponse, { id: 'abc', pid: 42, status: 2, exit_status: 0, terminal: false })),
    '0a03616263182a2002',
  );
});

test('a present but empty message is still written, as Go writes a non-nil empty message', () => {
  const bytes = encode(TypeNames.waitResponse, { exit_status: 0, exited_at: { seconds: 0, nanos: 0 } });
  assert.equal(hex(bytes), '1200');
});

test("Go's zero time round-trips as seconds -62135596800", () => {
  const bytes = encode(TypeNames.waitResponse, { exit_status: 0, exited_at: toTimestamp(undefined) });
  const back = decode<{ exited_at: { seconds: number; nanos: number } }>(TypeNames.waitResponse, bytes);
  assert.deepEqual(back.exited_at, { seconds: -62135596800, nanos: 0 });
  assert.ok(isGoZeroTime(back.exited_at));
  assert.equal(fromTimestamp(back.exited_at), undefined);
  assert.deepEqual(toTimestamp(undefined), goZeroTime);
});

test('a Date becomes seconds and nanos and back', () => {
  const d = new Date('2026-11-27T18:00:01.250Z');
  const ts = toTimestamp(d);
  assert.deepEqual(ts, { seconds: Math.floor(d.getTime() / 1000), nanos: 250_000_000 });
  assert.equal(fromTimestamp(ts)?.getTime(), d.getTime());
});

test('runc Options travel in an Any with the bare type URL containerd uses', () => {
  const any = packAny(TypeNames.runcOptions, { binary_name: 'crun', root: '/run/x', systemd_cgroup: true });
  assert.equal(any.type_url, 'containerd.runc.v1.Options');
  const back = unpackAny<RuncOptions>(any, TypeNames.runcOptions);
  assert.equal(back.binary_name, 'crun');
  assert.equal(back.root, '/run/x');
  assert.equal(back.systemd_cgroup, true);
  assert.equal(back.io_uid, 0);
});

test('an Any of another type is refused instead of misread', () => {
  const any = packAny(TypeNames.checkpointOptions, { exit: true });
  assert.throws(
    () => unpackAny(any, TypeNames.runcOptions),
    /unexpected type "containerd.runc.v1.CheckpointOptions"/,
  );
});

test('type.googleapis.com prefixes are accepted on input', () => {
  assert.equal(
    typeNameOf({ type_url: 'type.googleapis.com/containerd.runc.v1.Options', value: new Uint8Array() }),
    'containerd.runc.v1.Options',
  );
});

test('JSON Anys (OCI structs) decode to objects', () => {
  const any = { type_url: ociTypeUrls.process, value: Buffer.from('{"args":["sh"]}') };
  assert.deepEqual(unpackJsonAny(any), { args: ['sh'] });
});

test('undecodable bytes throw instead of returning garbage', () => {
  assert.throws(() => decode(TypeNames.createTaskRequest, Buffer.from([0x0a, 0xff, 0xff])));
});

test('BootstrapParams keeps an explicitly empty optional socket_dir (presence matters)', () => {
  const bytes = encode(TypeNames.bootstrapParams, { instance_id: 'a', socket_dir: '' });
  assert.equal(hex(bytes), '0a01614a00');
});

test('types are resolved on first use, with every type they reach; the rest are left alone', async () => {
  const { messageType } = await import('../../../src/api/codec.ts');
  const create = messageType('containerd.task.v2.CreateTaskRequest');
  const rootfs = create.fields.rootfs;
  assert.ok(rootfs?.resolved, 'the top type is resolved');
  const mount = rootfs?.resolvedType as { fieldsArray: { resolved: boolean }[] } | null;
  assert.ok(mount && mount.fieldsArray.every((f) => f.resolved), 'a type it reaches is resolved too');
  // nothing in this file encodes cgroup metrics: resolving them would be load time spent for nothing
  const metrics = create.root.lookupType('io.containerd.cgroups.v1.Metrics');
  assert.ok(metrics.fieldsArray.every((f) => !f.resolved));
  assert.ok(messageType('io.containerd.cgroups.v1.Metrics').fieldsArray.every((f) => f.resolved));
});
