// Encoding and decoding of every message the shim exchanges with containerd, from the descriptor that
// scripts/gen-descriptor.mjs builds out of src/api/proto at build time.
import protobuf from 'protobufjs/light.js';
import descriptor from './descriptor.json' with { type: 'json' };
import { installLazyCodegen } from './lazy-codegen.ts';

installLazyCodegen();

// Root.fromJSON would resolve every field of every type at load, on the path of every container start; a type
// and the types it reaches are resolved on its first use instead (npm run bench:protobuf measures it).
const root = new protobuf.Root().addJSON(
  (descriptor as { nested: Record<string, protobuf.AnyNestedObject> }).nested,
);
const types = new Map<string, protobuf.Type>();

function resolveReachable(type: protobuf.Type, seen: Set<protobuf.Type>): void {
  if (seen.has(type)) return;
  seen.add(type);
  type.resolveAll();
  for (const field of type.fieldsArray) {
    if (field.resolvedType instanceof protobuf.Type) resolveReachable(field.resolvedType, seen);
  }
}

export function messageType(name: string): protobuf.Type {
  let t = types.get(name);
  if (!t) {
    t = root.lookupType(name);
    resolveReachable(t, new Set());
    types.set(name, t);
  }
  return t;
}

export function hasMessageType(name: string): boolean {
  try {
    messageType(name);
    return true;
  } catch {
    return false;
  }
}

function isDefault(field: protobuf.Field, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (field.map) return typeof value === 'object' && Object.keys(value as object).length === 0;
  if (field.repeated) return Array.isArray(value) && value.length === 0;
  if (field.resolvedType instanceof protobuf.Type) return false; // a present message is encoded, even if empty
  if (field.partOf) return false; // proto3 `optional`: presence is the point
  switch (typeof value) {
    case 'string':
      return value === '';
    case 'number':
      return value === 0;
    case 'boolean':
      return value === false;
    case 'bigint':
      return value === 0n;
    case 'object':
      return value instanceof Uint8Array && value.length === 0;
    default:
      return false;
  }
}

/** Go's protobuf never writes proto3 default values, protobufjs writes any own property; dropping them makes
 *  our bytes equal Go's. */
function withoutDefaults(type: protobuf.Type, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const v = value[field.name];
    if (isDefault(field, v)) continue;
    const sub = field.resolvedType;
    if (sub instanceof protobuf.Type) {
      if (field.map) {
        const m: Record<string, unknown> = {};
        for (const [k, mv] of Object.entries(v as Record<string, unknown>))
          m[k] = withoutDefaults(sub, mv as Record<string, unknown>);
        out[field.name] = m;
      } else if (field.repeated) {
        out[field.name] = (v as Record<string, unknown>[]).map((e) => withoutDefaults(sub, e));
      } else {
        out[field.name] = withoutDefaults(sub, v as Record<string, unknown>);
      }
    } else {
      out[field.name] = typeof v === 'bigint' ? v.toString() : v;
    }
  }
  return out;
}

export function encode(name: string, value: object): Uint8Array {
  const type = messageType(name);
  return type.encode(withoutDefaults(type, value as Record<string, unknown>)).finish();
}

const toObjectOptions: protobuf.IConversionOptions = {
  longs: Number,
  enums: Number,
  defaults: true,
  arrays: true,
  objects: true,
};

/** Throws (with protobufjs's reason) when the bytes are not a valid encoding of the message. */
export function decode<T>(name: string, bytes: Uint8Array): T {
  const type = messageType(name);
  return type.toObject(type.decode(bytes), toObjectOptions) as T;
}
