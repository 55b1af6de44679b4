// The wiring of the OpenTelemetry SDK, in process: setupTracing registers the SDK's provider, context manager
// and propagators through the shim's copy of @opentelemetry/api, so tracers taken before tracing started record,
// children find their parent across awaits, the caller's trace is joined, and the exporter the protocol names
// sends the spans, with what the standard variables say, to a receiver that decodes them independently.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { setupTracing } from '../../../src/otel/setup.ts';
import { metadataGetter } from '../../../src/otel/ttrpc-carrier.ts';
import { metadataFromKeyValues } from '../../../src/ttrpc/metadata.ts';
import { OtlpGrpcReceiver, OtlpHttpReceiver, type OtlpReceiver } from '../../helpers/otlp-receiver.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const SERVER = 2;
const CLIENT = 3;

const OTEL_VARIABLES = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_BSP_SCHEDULE_DELAY',
  'TSSHIM_NODE_EXTRA_CA_CERTS',
];

afterEach(() => {
  for (const name of OTEL_VARIABLES) delete process.env[name];
  // the next case registers its own SDK
  trace.disable();
  context.disable();
  propagation.disable();
});

async function traced(
  receiver: OtlpReceiver,
  protocol: 'http/protobuf' | 'grpc',
  env: Record<string, string> = {},
): Promise<Record<string, string>> {
  Object.assign(process.env, env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: await receiver.listen(),
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=blue%20team',
    OTEL_SERVICE_NAME: 'containerd-shim-test',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test',
    // far beyond the test: only shutdown's flush can deliver the spans
    OTEL_BSP_SCHEDULE_DELAY: '600000',
  });
  // taken before tracing is set up, as the shim's modules take theirs at load
  const tracer = trace.getTracer('tsshim');
  const logs: string[] = [];
  const tracing = await setupTracing(process.env, (level, msg) => logs.push(`${level} ${msg}`));
  assert.equal(tracing.enabled, true);
  assert.ok(logs.includes('debug tracing enabled'), logs.join('\n'));

  const md = metadataFromKeyValues([
    { key: 'traceparent', value: `00-${TRACE}-${SPAN}-01` },
    { key: 'baggage', value: 'k=v' },
  ]);
  const parent = propagation.extract(ROOT_CONTEXT, md, metadataGetter);
  const injected: Record<string, string> = {};
  await tracer.startActiveSpan('rpc', { kind: SpanKind.SERVER }, parent, async (server) => {
    await new Promise((r) => setTimeout(r, 1));
    await tracer.startActiveSpan('forward', { kind: SpanKind.CLIENT }, async (client) => {
      propagation.inject(context.active(), injected);
      client.setAttribute('rpc.method', 'Forward');
      client.end();
    });
    server.end();
  });
  try {
    assert.equal(receiver.spans.length, 0, 'nothing exported before the batch is due');
    await tracing.shutdown();
    return injected;
  } finally {
    await receiver.close();
  }
}

function checkSpans(receiver: OtlpReceiver, injected: Record<string, string>): void {
  const rpc = receiver.spans.find((s) => s.name === 'rpc');
  const forward = receiver.spans.find((s) => s.name === 'forward');
  assert.ok(rpc && forward, receiver.spans.map((s) => s.name).join(', '));
  assert.equal(rpc.traceId, TRACE);
  assert.equal(rpc.parentSpanId, SPAN);
  assert.equal(rpc.kind, SERVER);
  assert.equal(forward.traceId, TRACE);
  assert.equal(forward.parentSpanId, rpc.spanId);
  assert.equal(forward.kind, CLIENT);
  assert.equal(forward.attributes['rpc.method'], 'Forward');
  assert.ok(forward.endNs >= forward.startNs);
  assert.equal(rpc.resource['service.name'], 'containerd-shim-test');
  assert.equal(rpc.resource['deployment.environment'], 'test');
  assert.equal(rpc.resource['telemetry.sdk.name'], 'opentelemetry');
  assert.equal(rpc.resource['process.pid'], process.pid);
  assert.deepEqual(injected, { traceparent: `00-${TRACE}-${forward.spanId}-01`, baggage: 'k=v' });
  assert.ok(receiver.requests.length > 0);
  for (const r of receiver.requests) assert.equal(r.headers['x-tenant'], 'blue team');
}

describe('the OpenTelemetry SDK as the shim sets it up', { timeout: 30_000 }, () => {
  test('http/protobuf: POST /v1/traces with binary protobuf, flushed on shutdown', async () => {
    const receiver = new OtlpHttpReceiver();
    const injected = await traced(receiver, 'http/protobuf');
    checkSpans(receiver, injected);
    assert.ok(receiver.requests.every((r) => r.path === '/v1/traces'));
    assert.ok(receiver.requests.every((r) => r.contentType === 'application/x-protobuf'));
  });

  test('grpc: TraceService/Export, flushed on shutdown', async () => {
    const receiver = new OtlpGrpcReceiver();
    const injected = await traced(receiver, 'grpc');
    checkSpans(receiver, injected);
  });

  // A collector whose certificate only the CA file of NODE_EXTRA_CA_CERTS vouches for: the launcher takes that
  // variable away from Node, so unless the exporters get the file, TLS fails and nothing arrives.
  const fixture = (name: string): string =>
    readFileSync(new URL(`../../fixtures/otlp-tls/${name}`, import.meta.url), 'utf8');
  const tls = { cert: fixture('server.pem'), key: fixture('server-key.pem') };
  const extraCa = {
    TSSHIM_NODE_EXTRA_CA_CERTS: fileURLToPath(new URL('../../fixtures/otlp-tls/ca.pem', import.meta.url)),
  };

  test('http/protobuf over TLS, trusting the CA file taken out of NODE_EXTRA_CA_CERTS', async () => {
    const receiver = new OtlpHttpReceiver(tls);
    const injected = await traced(receiver, 'http/protobuf', extraCa);
    checkSpans(receiver, injected);
  });

  test('grpc over TLS, trusting the CA file taken out of NODE_EXTRA_CA_CERTS', async () => {
    const receiver = new OtlpGrpcReceiver(tls);
    const injected = await traced(receiver, 'grpc', extraCa);
    checkSpans(receiver, injected);
  });
});
