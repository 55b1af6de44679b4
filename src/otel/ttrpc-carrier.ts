// ttrpc request metadata as a propagation carrier: keys are matched in lowercase, as Go's otelttrpc does.
import type { TextMapGetter } from '@opentelemetry/api';
import type { Metadata } from '../ttrpc/metadata.ts';

export const metadataGetter: TextMapGetter<Metadata> = {
  keys: (md) => [...md.keys()],
  get: (md, key) => md.get(key.toLowerCase()),
};
