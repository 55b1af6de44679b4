// containerd's typeurl registers its protobuf types under their bare full names (no
// "type.googleapis.com/" prefix), and JSON-registered Go types (OCI specs) under types.containerd.io/...
import { decode, encode, hasMessageType } from './codec.ts';

export interface AnyMessage {
  type_url: string;
  value: Uint8Array;
}

export function packAny(typeName: string, message: object): AnyMessage {
  return { type_url: typeName, value: encode(typeName, message) };
}

export function typeNameOf(any: AnyMessage): string {
  const url = any.type_url;
  const slash = url.lastIndexOf('/');
  return url.startsWith('type.googleapis.com/') ? url.slice(slash + 1) : url;
}

export function isEmptyAny(any: AnyMessage | null | undefined): boolean {
  return !any || (!any.type_url && (!any.value || any.value.length === 0));
}

/** Decodes an Any holding a registered protobuf message of the expected type; refuses any other type. */
export function unpackAny<T>(any: AnyMessage, expected: string): T {
  const name = typeNameOf(any);
  if (name !== expected) throw new Error(`unexpected type ${JSON.stringify(any.type_url)}, want ${expected}`);
  if (!hasMessageType(name)) throw new Error(`type ${name} is not registered`);
  return decode<T>(name, any.value ?? new Uint8Array());
}

/** Decodes an Any whose value is JSON (how containerd's typeurl packs OCI runtime-spec structs). */
export function unpackJsonAny(any: AnyMessage): unknown {
  const text = Buffer.from(any.value ?? new Uint8Array()).toString('utf8');
  return JSON.parse(text);
}

export const ociTypeUrls = {
  process: 'types.containerd.io/opencontainers/runtime-spec/1/Process',
  linuxResources: 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources',
  features: 'types.containerd.io/opencontainers/runtime-spec/1/features/Features',
} as const;
