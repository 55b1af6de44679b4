// OTEL_TRACES_SAMPLER: the default (parentbased_always_on) follows the sampled flag containerd sends.
import { TraceFlags, type SpanContext } from '@opentelemetry/api';
import type { SamplerName } from './config.ts';

export type SampleFn = (parent: SpanContext | undefined, traceId: string) => boolean;

function ratioSampler(ratio: number): (traceId: string) => boolean {
  // Same rule as the Go and JS SDKs: the low 8 bytes of the trace id against ratio * 2^63.
  const bound = BigInt(Math.floor(ratio * 2 ** 63));
  return (traceId) => BigInt(`0x${traceId.slice(16)}`) >> 1n < bound;
}

export function makeSampler(name: SamplerName, ratio: number): SampleFn {
  const root = name.endsWith('always_off')
    ? () => false
    : name.endsWith('traceidratio')
      ? ratioSampler(ratio)
      : () => true;
  if (!name.startsWith('parentbased_')) return (_parent, traceId) => root(traceId);
  return (parent, traceId) => (parent ? (parent.traceFlags & TraceFlags.SAMPLED) !== 0 : root(traceId));
}
