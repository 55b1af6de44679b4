// W3C traceparent/tracestate and baggage in ttrpc metadata, through the propagators the shim registers
// (@opentelemetry/core's, composed as containerd composes them) and our metadata carrier.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTextMapSetter, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { metadataGetter } from '../../../src/otel/ttrpc-carrier.ts';
import { metadataFromKeyValues } from '../../../src/ttrpc/metadata.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

const propagator = new CompositePropagator({
  propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
});

describe('W3C trace context and baggage in ttrpc metadata', () => {
  test('extracts from metadata (lowercase keys, several tracestate values joined) and injects back', () => {
    const md = metadataFromKeyValues([
      { key: 'containerd-namespace-ttrpc', value: 'default' },
      { key: 'traceparent', value: `00-${TRACE}-${SPAN}-01` },
      { key: 'tracestate', value: 'a=1' },
      { key: 'tracestate', value: 'b=2' },
      { key: 'baggage', value: 'tenant=blue' },
    ]);
    const ctx = propagator.extract(ROOT_CONTEXT, md, metadataGetter);
    const sc = trace.getSpanContext(ctx);
    assert.equal(sc?.traceId, TRACE);
    assert.equal(sc?.spanId, SPAN);
    assert.equal(sc?.traceFlags, TraceFlags.SAMPLED);
    assert.equal(sc?.isRemote, true);
    assert.equal(sc?.traceState?.serialize(), 'a=1,b=2');
    assert.equal(propagation.getBaggage(ctx)?.getEntry('tenant')?.value, 'blue');

    const out: Record<string, string> = {};
    propagator.inject(ctx, out, defaultTextMapSetter);
    assert.deepEqual(out, {
      traceparent: `00-${TRACE}-${SPAN}-01`,
      tracestate: 'a=1,b=2',
      baggage: 'tenant=blue',
    });
  });

  test('a malformed traceparent leaves the context alone, and nothing is injected', () => {
    for (const bad of [`00-${TRACE}-${'0'.repeat(16)}-01`, `ff-${TRACE}-${SPAN}-01`, 'garbage']) {
      const md = metadataFromKeyValues([{ key: 'traceparent', value: bad }]);
      const ctx = propagator.extract(ROOT_CONTEXT, md, metadataGetter);
      assert.equal(trace.getSpanContext(ctx), undefined, bad);
      const out: Record<string, string> = {};
      propagator.inject(ctx, out, defaultTextMapSetter);
      assert.deepEqual(out, {}, bad);
    }
  });
});
