// The few messages the short-lived actions (`start`, `delete`) read and write, coded by hand. containerd runs
// both for every container, and loading protobufjs with the whole descriptor costs more than everything else
// they do; these messages are small and fixed (reference shim-protocol §1.3.3, §1.8).
// test/unit/api/start-wire.test.ts checks them against the protobufjs codec.
import type { AnyMessage } from './any.ts';

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

interface Field {
  number: number;
  wire: number;
  varint: bigint;
  bytes: Uint8Array;
}

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
  }
  throw new Error('varint too long');
}

function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    pos = afterKey;
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (number === 0) throw new Error('invalid field number 0');
    let varint = 0n;
    let bytes: Uint8Array = new Uint8Array();
    if (wire === WIRE_VARINT) {
      [varint, pos] = readVarint(buf, pos);
    } else if (wire === WIRE_LEN) {
      const [len, start] = readVarint(buf, pos);
      const end = start + Number(len);
      if (end > buf.length) throw new Error('truncated length-delimited field');
      bytes = buf.subarray(start, end);
      pos = end;
    } else if (wire === WIRE_I64 || wire === WIRE_I32) {
      pos += wire === WIRE_I64 ? 8 : 4;
      if (pos > buf.length) throw new Error('truncated fixed-width field');
    } else {
      throw new Error(`invalid wire type ${wire}`);
    }
    yield { number, wire, varint, bytes };
  }
}

function text(f: Field): string {
  if (f.wire !== WIRE_LEN) throw new Error(`field ${f.number}: wrong wire type`);
  return utf8.decode(f.bytes);
}

export function decodeAny(buf: Uint8Array): AnyMessage {
  const any: AnyMessage = { type_url: '', value: new Uint8Array() };
  for (const f of fields(buf)) {
    if (f.number === 1) any.type_url = text(f);
    else if (f.number === 2) any.value = Uint8Array.from(f.bytes);
  }
  return any;
}

export interface StartBootstrapParams {
  instance_id: string;
  namespace: string;
  extensions: AnyMessage[];
  socket_dir?: string;
}

export function decodeBootstrapParams(buf: Uint8Array): StartBootstrapParams {
  const p: StartBootstrapParams = { instance_id: '', namespace: '', extensions: [] };
  for (const f of fields(buf)) {
    if (f.number === 1) p.instance_id = text(f);
    else if (f.number === 2) p.namespace = text(f);
    else if (f.number === 8) {
      for (const ext of fields(f.bytes)) if (ext.number === 1) p.extensions.push(decodeAny(ext.bytes));
    } else if (f.number === 9) p.socket_dir = text(f);
  }
  return p;
}

/** containerd.runc.v1.Options.shim_cgroup (field 3), the only option `start` uses */
export function decodeShimCgroup(options: Uint8Array): string {
  let cgroup = '';
  for (const f of fields(options)) if (f.number === 3) cgroup = text(f);
  return cgroup;
}

function varintBytes(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

function stringField(number: number, value: string): number[] {
  if (value === '') return [];
  const bytes = utf8Encoder.encode(value);
  return [(number << 3) | WIRE_LEN, ...varintBytes(bytes.length), ...bytes];
}

/** BootstrapResult{1 version, 2 address, 3 protocol}, defaults omitted as Go does */
export function encodeBootstrapResult(version: number, address: string, protocol: string): Uint8Array {
  const versionField = version === 0 ? [] : [(1 << 3) | WIRE_VARINT, ...varintBytes(version)];
  return Uint8Array.from([...versionField, ...stringField(2, address), ...stringField(3, protocol)]);
}

function varint64Bytes(n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(Math.trunc(n)));
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function varintField(number: number, value: number): number[] {
  return value === 0 ? [] : [(number << 3) | WIRE_VARINT, ...varint64Bytes(value)];
}

/** DeleteResponse{1 pid, 2 exit_status, 3 exited_at Timestamp{1 seconds, 2 nanos}}, as the `delete` action
 *  prints it */
export function encodeDeleteResponse(pid: number, exitStatus: number, exitedAt: Date): Uint8Array {
  const ms = exitedAt.getTime();
  const seconds = Math.floor(ms / 1000);
  const ts = [...varintField(1, seconds), ...varintField(2, (ms - seconds * 1000) * 1_000_000)];
  return Uint8Array.from([
    ...varintField(1, pid),
    ...varintField(2, exitStatus),
    (3 << 3) | WIRE_LEN,
    ...varintBytes(ts.length),
    ...ts,
  ]);
}
