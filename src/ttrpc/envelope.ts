// The ttrpc envelope messages (request.proto, google.rpc.Status, google.protobuf.Any), declared here so
// this package knows no other schema. Encoding leaves out every proto3 default, as Go does, so our
// bytes equal Go's (reference §3.2, §12).
import protobuf from 'protobufjs/light.js';

export interface KeyValue {
  key: string;
  value: string;
}

export interface TtrpcRequest {
  service: string;
  method: string;
  payload: Uint8Array;
  /** Relative timeout in nanoseconds; 0 means none, negative means already expired. */
  timeoutNano: number;
  metadata: KeyValue[];
}

export interface AnyMessage {
  typeUrl: string;
  value: Uint8Array;
}

export interface RpcStatus {
  code: number;
  message: string;
  details: AnyMessage[];
}

export interface TtrpcResponse {
  /** Absent on success, as Go sends it. */
  status?: RpcStatus;
  payload: Uint8Array;
}

// Request and KeyValue strings are declared as bytes (same wire encoding) so the server can reject
// invalid UTF-8 the way Go's decoder does instead of silently replacing it.
const root = protobuf.Root.fromJSON({
  nested: {
    ttrpc: {
      nested: {
        Request: {
          fields: {
            service: { type: 'bytes', id: 1 },
            method: { type: 'bytes', id: 2 },
            payload: { type: 'bytes', id: 3 },
            timeoutNano: { type: 'int64', id: 4 },
            metadata: { rule: 'repeated', type: 'KeyValue', id: 5 },
          },
        },
        KeyValue: {
          fields: {
            key: { type: 'bytes', id: 1 },
            value: { type: 'bytes', id: 2 },
          },
        },
        Response: {
          fields: {
            status: { type: 'google.rpc.Status', id: 1 },
            payload: { type: 'bytes', id: 2 },
          },
        },
      },
    },
    google: {
      nested: {
        rpc: {
          nested: {
            Status: {
              fields: {
                code: { type: 'int32', id: 1 },
                message: { type: 'string', id: 2 },
                details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 },
              },
            },
          },
        },
        protobuf: {
          nested: {
            Any: {
              fields: {
                typeUrl: { type: 'string', id: 1 },
                value: { type: 'bytes', id: 2 },
              },
            },
          },
        },
      },
    },
  },
});

const RequestType = root.lookupType('ttrpc.Request');
const ResponseType = root.lookupType('ttrpc.Response');

const utf8Encoder = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

type Wire = Record<string, unknown>;

export function encodeRequest(request: TtrpcRequest): Uint8Array {
  const wire: Wire = {};
  if (request.service !== '') wire.service = utf8Encoder.encode(request.service);
  if (request.method !== '') wire.method = utf8Encoder.encode(request.method);
  if (request.payload.length > 0) wire.payload = request.payload;
  if (request.timeoutNano !== 0) wire.timeoutNano = request.timeoutNano;
  if (request.metadata.length > 0) {
    wire.metadata = request.metadata.map((kv) => {
      const entry: Wire = {};
      if (kv.key !== '') entry.key = utf8Encoder.encode(kv.key);
      if (kv.value !== '') entry.value = utf8Encoder.encode(kv.value);
      return entry;
    });
  }
  return RequestType.encode(wire).finish();
}

/** Throws an Error whose message reads like Go's proto error (the server prefixes it). */
export function decodeRequest(data: Uint8Array): TtrpcRequest {
  const wire = decodeWire(RequestType, data);
  return {
    service: readUtf8(wire.service),
    method: readUtf8(wire.method),
    payload: readBytes(wire.payload),
    timeoutNano: readInt64(wire.timeoutNano),
    metadata: readList(wire.metadata).map((entry) => ({
      key: readUtf8(entry.key),
      value: readUtf8(entry.value),
    })),
  };
}

export function encodeResponse(response: TtrpcResponse): Uint8Array {
  const wire: Wire = {};
  if (response.status !== undefined) {
    const { code, message, details } = response.status;
    const status: Wire = {};
    if (code !== 0) status.code = code;
    if (message !== '') status.message = message;
    if (details.length > 0) {
      status.details = details.map((any) => {
        const entry: Wire = {};
        if (any.typeUrl !== '') entry.typeUrl = any.typeUrl;
        if (any.value.length > 0) entry.value = any.value;
        return entry;
      });
    }
    wire.status = status;
  }
  if (response.payload.length > 0) wire.payload = response.payload;
  return ResponseType.encode(wire).finish();
}

export function decodeResponse(data: Uint8Array): TtrpcResponse {
  const wire = decodeWire(ResponseType, data);
  const payload = readBytes(wire.payload);
  if (!isWire(wire.status)) return { payload };
  const status = wire.status;
  return {
    status: {
      code: typeof status.code === 'number' ? status.code : 0,
      message: typeof status.message === 'string' ? status.message : '',
      details: readList(status.details).map((any) => ({
        typeUrl: typeof any.typeUrl === 'string' ? any.typeUrl : '',
        value: readBytes(any.value),
      })),
    },
    payload,
  };
}

function decodeWire(type: protobuf.Type, data: Uint8Array): Wire {
  try {
    // A Buffer would get protobufjs's BufferReader, which silently truncates over-long strings;
    // a plain view gets the bounds-checked reader.
    const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    rejectFieldNumberZero(view);
    const message: object = type.decode(view);
    return message as Wire;
  } catch (err) {
    throw new Error(
      `proto: cannot parse invalid wire-format data (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

// protobufjs skips a field numbered 0 as if it were unknown; Go rejects it, so zero-filled garbage
// is an unmarshal error on both sides.
function rejectFieldNumberZero(data: Uint8Array): void {
  const reader = protobuf.Reader.create(data);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 0) throw new Error('invalid field number 0');
    reader.skipType(tag & 7);
  }
}

function isWire(value: unknown): value is Wire {
  return typeof value === 'object' && value !== null;
}

function readBytes(value: unknown): Uint8Array {
  return value instanceof Uint8Array ? value : new Uint8Array(0);
}

function readUtf8(value: unknown): string {
  const bytes = readBytes(value);
  if (bytes.length === 0) return '';
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new Error('string field contains invalid UTF-8');
  }
}

function readList(value: unknown): Wire[] {
  return Array.isArray(value) ? value.filter(isWire) : [];
}

/** protobufjs yields int64 as a Long when the `long` package is present, otherwise as a number. */
function readInt64(value: unknown): number {
  if (typeof value === 'number') return value;
  if (isWire(value) && typeof value.low === 'number' && typeof value.high === 'number') {
    return new protobuf.util.LongBits(value.low >>> 0, value.high >>> 0).toNumber(false);
  }
  return 0;
}
