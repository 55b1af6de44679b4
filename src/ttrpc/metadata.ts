// Request metadata: a multimap on our side, repeated KeyValue on the wire (reference §3.5).
import type { KeyValue } from './envelope.ts';

export type Metadata = Map<string, string[]>;

export type MetadataInit = Metadata | Readonly<Record<string, string | readonly string[]>>;

/** One KeyValue per value, keys lowercased because Go receivers match keys exactly. */
export function metadataToKeyValues(init: MetadataInit): KeyValue[] {
  const entries: Iterable<[string, string | readonly string[]]> =
    init instanceof Map ? init.entries() : Object.entries(init);
  const out: KeyValue[] = [];
  for (const [key, values] of entries) {
    const lower = key.toLowerCase();
    for (const value of typeof values === 'string' ? [values] : values) out.push({ key: lower, value });
  }
  return out;
}

/** Groups by the exact key string, as Go does on receipt, keeping the order of values. */
export function metadataFromKeyValues(pairs: readonly KeyValue[]): Metadata {
  const md: Metadata = new Map();
  for (const { key, value } of pairs) {
    const values = md.get(key);
    if (values === undefined) md.set(key, [value]);
    else values.push(value);
  }
  return md;
}

/** The first value of a key, looked up in lowercase like Go's GetMetadataValue. */
export function getMetadataValue(md: Metadata, name: string): string | undefined {
  return md.get(name.toLowerCase())?.[0];
}
