// W3C traceparent/tracestate in ttrpc metadata: what containerd's otelttrpc sends, read and written back.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTextMapSetter, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { parseTraceparent, W3CTraceContextPropagator } from '../../../src/otel/propagator.ts';
import { metadataGetter } from '../../../src/otel/ttrpc-carrier.ts';
import { metadataFromKeyValues } from '../../../src/ttrpc/metadata.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('W3C trace context', () => {
  test('parses valid traceparents and refuses malformed ones', () => {
    assert.deepEqual(parseTraceparent(`00-${TRACE}-${SPAN}-01`), {
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
      isRemote: true,
    });
    assert.equal(parseTraceparent(`01-${TRACE}-${SPAN}-00-future`)?.traceFlags, 0);
    for (const bad of [
      `00-${TRACE}-${SPAN}-01-extra`,
      `ff-${TRACE}-${SPAN}-01`,
      `00-${'0'.repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      'garbage',
    ])
      assert.equal(parseTraceparent(bad), undefined, bad);
  });

  test('extracts from ttrpc metadata (lowercase keys, several tracestate values joined) and injects back', () => {
    const p = new W3CTraceContextPropagator();
    const md = metadataFromKeyValues([
      { key: 'containerd-namespace-ttrpc', value: 'default' },
      { key: 'traceparent', value: `00-${TRACE}-${SPAN}-01` },
      { key: 'tracestate', value: 'a=1' },
      { key: 'tracestate', value: 'b=2' },
    ]);
    const ctx = p.extract(ROOT_CONTEXT, md, metadataGetter);
    const sc = trace.getSpanContext(ctx);
    assert.equal(sc?.traceId, TRACE);
    assert.equal(sc?.spanId, SPAN);
    assert.equal(sc?.traceFlags, TraceFlags.SAMPLED);
    assert.equal(sc?.isRemote, true);
    assert.equal(sc?.traceState?.serialize(), 'a=1,b=2');

    const out: Record<string, string> = {};
    p.inject(ctx, out, defaultTextMapSetter);
    assert.deepEqual(out, { traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'a=1,b=2' });
  });

  test('no traceparent (or a bad one) leaves the context alone, and nothing is injected', () => {
    const p = new W3CTraceContextPropagator();
    const ctx = p.extract(
      ROOT_CONTEXT,
      metadataFromKeyValues([{ key: 'traceparent', value: 'x' }]),
      metadataGetter,
    );
    assert.equal(ctx, ROOT_CONTEXT);
    const out: Record<string, string> = {};
    p.inject(ROOT_CONTEXT, out, defaultTextMapSetter);
    assert.deepEqual(out, {});
  });
});
