// The tracer, the batch processor and the OTLP encoding, without the network.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs/light.js';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import descriptor from '../../../src/api/descriptor.json' with { type: 'json' };
import { encode } from '../../../src/api/codec.ts';
import { BatchSpanProcessor } from '../../../src/otel/batch-processor.ts';
import { AsyncLocalStorageContextManager } from '../../../src/otel/context-manager.ts';
import { EXPORT_REQUEST_TYPE, exportRequest } from '../../../src/otel/otlp-encode.ts';
import { makeSampler } from '../../../src/otel/sampler.ts';
import type { FinishedSpan } from '../../../src/otel/span.ts';
import { SdkTracerProvider } from '../../../src/otel/tracer.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const batch = { scheduleDelayMs: 600_000, exportTimeoutMs: 5_000, maxQueueSize: 4, maxExportBatchSize: 2 };

function collector(): { spans: FinishedSpan[]; onEnd(s: FinishedSpan): void } {
  const spans: FinishedSpan[] = [];
  return { spans, onEnd: (s) => spans.push(s) };
}

describe('SdkTracer', () => {
  test('children inherit the trace of the active span across awaits; a remote parent starts the trace', async () => {
    const manager = new AsyncLocalStorageContextManager();
    context.setGlobalContextManager(manager);
    try {
      const sink = collector();
      const tracer = new SdkTracerProvider(makeSampler('parentbased_always_on', 1), sink).getTracer('t', '1');
      const remote = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: TRACE,
        spanId: SPAN,
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      });
      await tracer.startActiveSpan('server', { kind: SpanKind.SERVER }, remote, async (server) => {
        await new Promise((r) => setTimeout(r, 1));
        await tracer.startActiveSpan('child', async (child) => {
          child.setAttribute('n', 1);
          child.end();
        });
        server.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
        server.end();
      });
      const [child, server] = sink.spans;
      assert.equal(server?.name, 'server');
      assert.equal(server.spanContext.traceId, TRACE);
      assert.equal(server.parentSpanId, SPAN);
      assert.equal(server.kind, SpanKind.SERVER);
      assert.deepEqual(server.status, { code: SpanStatusCode.ERROR, message: 'boom' });
      assert.equal(server.scope.version, '1');
      assert.equal(child?.spanContext.traceId, TRACE);
      assert.equal(child.parentSpanId, server.spanContext.spanId);
      assert.deepEqual(child.attributes, { n: 1 });
      assert.ok(server.endNs >= server.startNs);
    } finally {
      context.disable();
    }
  });

  test('an unsampled remote parent gives a non-recording span that keeps the trace id', () => {
    const sink = collector();
    const tracer = new SdkTracerProvider(makeSampler('parentbased_always_on', 1), sink).getTracer('t');
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: TraceFlags.NONE,
    });
    const span = tracer.startSpan('x', {}, remote);
    assert.equal(span.isRecording(), false);
    assert.equal(span.spanContext().traceId, TRACE);
    span.end();
    assert.equal(sink.spans.length, 0);
    assert.equal(makeSampler('always_off', 1)(undefined, TRACE), false);
    assert.equal(makeSampler('traceidratio', 0)(undefined, TRACE), false);
    assert.equal(makeSampler('traceidratio', 1)(undefined, TRACE), true);
  });
});

describe('BatchSpanProcessor', () => {
  test('exports full batches at once, the rest on shutdown, nothing after shutdown', async () => {
    const exported: string[][] = [];
    const p = new BatchSpanProcessor(
      { export: async (spans) => void exported.push(spans.map((s) => s.name)) },
      batch,
      () => undefined,
    );
    const tracer = new SdkTracerProvider(makeSampler('always_on', 1), p).getTracer('t');
    tracer.startSpan('a').end();
    assert.deepEqual(exported, []);
    tracer.startSpan('b').end();
    await p.flush();
    assert.deepEqual(exported, [['a', 'b']]);
    tracer.startSpan('c').end();
    await p.shutdown();
    assert.deepEqual(exported, [['a', 'b'], ['c']]);
    tracer.startSpan('after shutdown').end();
    await p.flush();
    assert.equal(exported.length, 2);
  });

  test('a failing export is logged, not thrown', async () => {
    const logs: string[] = [];
    const p = new BatchSpanProcessor(
      { export: async () => Promise.reject(new Error('down')) },
      batch,
      (_level, msg, fields) => logs.push(`${msg} ${String(fields?.error)}`),
    );
    new SdkTracerProvider(makeSampler('always_on', 1), p).getTracer('t').startSpan('a').end();
    await p.shutdown();
    assert.deepEqual(logs, ['failed to export spans down']);
  });
});

describe('OTLP encoding', () => {
  test('encodes ids, kinds, exact nanosecond times, attributes and the resource', () => {
    const start = 1_700_000_000_123_456_789n;
    const span: FinishedSpan = {
      name: 'containerd.task.v2.Task/Create',
      kind: SpanKind.SERVER,
      spanContext: { traceId: TRACE, spanId: SPAN, traceFlags: 1 },
      parentSpanId: '1111111111111111',
      startNs: start,
      endNs: start + 5n,
      attributes: { s: 'x', i: 7, d: 1.5, b: true, a: ['p', 'q'] },
      events: [],
      links: [],
      status: { code: SpanStatusCode.ERROR, message: 'm' },
      scope: { name: 'tsshim' },
    };
    const bytes = encode(EXPORT_REQUEST_TYPE, exportRequest([span], { 'service.name': 'svc' }));
    const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
    const type = root.lookupType(EXPORT_REQUEST_TYPE);
    const obj = type.toObject(type.decode(bytes), { longs: String, bytes: String, enums: String }) as {
      resource_spans: {
        resource: { attributes: { key: string; value: { string_value: string } }[] };
        scope_spans: { scope: { name: string }; spans: Record<string, unknown>[] }[];
      }[];
    };
    const rs = obj.resource_spans[0]!;
    assert.deepEqual(rs.resource.attributes, [{ key: 'service.name', value: { string_value: 'svc' } }]);
    assert.equal(rs.scope_spans[0]!.scope.name, 'tsshim');
    const s = rs.scope_spans[0]!.spans[0]!;
    assert.equal(Buffer.from(s.trace_id as string, 'base64').toString('hex'), TRACE);
    assert.equal(Buffer.from(s.span_id as string, 'base64').toString('hex'), SPAN);
    assert.equal(Buffer.from(s.parent_span_id as string, 'base64').toString('hex'), '1111111111111111');
    assert.equal(s.kind, 'SPAN_KIND_SERVER');
    assert.equal(s.start_time_unix_nano, start.toString());
    assert.equal(s.end_time_unix_nano, (start + 5n).toString());
    assert.deepEqual(s.status, { message: 'm', code: 'STATUS_CODE_ERROR' });
    assert.deepEqual(s.attributes, [
      { key: 's', value: { string_value: 'x' } },
      { key: 'i', value: { int_value: '7' } },
      { key: 'd', value: { double_value: 1.5 } },
      { key: 'b', value: { bool_value: true } },
      { key: 'a', value: { array_value: { values: [{ string_value: 'p' }, { string_value: 'q' }] } } },
    ]);
  });
});
