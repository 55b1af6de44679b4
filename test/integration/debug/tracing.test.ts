// OpenTelemetry in the live shim: with an OTLP endpoint set, spans reach a loopback receiver over either protocol
// containerd exports over (http/protobuf, the default, and grpc), joined to the trace of the traceparent sent in
// the Task call's metadata, with runc invocations as children and the trace context carried on into the events
// Forward; spans still buffered are exported before the shim exits. The receivers decode with the OpenTelemetry
// project's own generated code, not the shim's. With OTEL_SDK_DISABLED=true nothing is exported and nothing extra
// goes on the wire.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TypeNames } from '../../../src/api/types.ts';
import { startLiveShim, type LiveShim } from '../../helpers/live-shim.ts';
import { repoRoot } from '../../helpers/rootfs.ts';
import { OtlpGrpcReceiver, OtlpHttpReceiver, type OtlpReceiver } from '../../helpers/otlp-receiver.ts';

const SERVER = 2;
const CLIENT = 3;

async function lifecycle(shim: LiveShim, traceparent?: string): Promise<void> {
  const md: Record<string, string> = traceparent ? { traceparent, tracestate: 'vendor=abc' } : {};
  await shim.call('Create', TypeNames.createTaskRequest, { id: shim.id, bundle: shim.bundle }, undefined, md);
  await shim.call('Start', TypeNames.startRequest, { id: shim.id, exec_id: '' }, undefined, md);
}

async function tracedLifecycle(receiver: OtlpReceiver, env: Record<string, string>): Promise<void> {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  const shim = await startLiveShim({
    start: false,
    env: {
      OTEL_SDK_DISABLED: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: await receiver.listen(),
      // far beyond the test: only the flush on shutdown can deliver the spans
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      ...env,
    },
  });
  try {
    await lifecycle(shim, `00-${traceId}-${parentId}-01`);
    assert.equal(receiver.spans.length, 0, 'nothing exported before the batch is due');
  } finally {
    await shim.stop();
    await receiver.close();
  }
  const spans = receiver.spans;

  const create = spans.find((s) => s.name === 'containerd.task.v2.Task/Create');
  assert.ok(create, `a Create span among ${spans.map((s) => s.name).join(', ')}`);
  assert.equal(create.traceId, traceId);
  assert.equal(create.parentSpanId, parentId);
  assert.equal(create.kind, SERVER);
  assert.equal(create.attributes['rpc.system'], 'ttrpc');
  assert.equal(create.attributes['rpc.service'], 'containerd.task.v2.Task');
  assert.equal(create.attributes['rpc.method'], 'Create');
  assert.equal(create.attributes['rpc.ttrpc.status_code'], 0);
  assert.equal(create.resource['service.name'], `containerd-shim-${shim.id}`);
  assert.ok(create.endNs >= create.startNs);

  const runcCreate = spans.find((s) => s.name === 'runc create');
  assert.ok(runcCreate, 'a span for the runc create invocation');
  assert.equal(runcCreate.traceId, traceId);
  assert.equal(runcCreate.parentSpanId, create.spanId);
  assert.equal(runcCreate.attributes['runc.command'], 'create');
  assert.equal(runcCreate.attributes['process.exit_code'], 0);

  const start = spans.find((s) => s.name === 'containerd.task.v2.Task/Start');
  assert.ok(start);
  assert.equal(start.traceId, traceId);
  assert.ok(spans.some((s) => s.name === 'runc start' && s.parentSpanId === start.spanId));

  // The /tasks/create event was published inside Create: its Forward is a client span of that trace and
  // its traceparent went out in the Forward's ttrpc metadata.
  const forwards = spans.filter((s) => s.name === 'containerd.services.events.ttrpc.v1.Events/Forward');
  const created = shim.events.find((e) => e.topic === '/tasks/create');
  assert.ok(created, 'the create event was forwarded');
  const sent = created.metadata.get('traceparent')?.[0];
  assert.ok(sent, 'traceparent in the Forward metadata');
  const [, sentTrace, sentSpan, flags] = sent.split('-');
  assert.equal(sentTrace, traceId);
  assert.equal(flags, '01');
  const forward = forwards.find((s) => s.spanId === sentSpan);
  assert.ok(forward, 'the injected span is the exported Forward span');
  assert.equal(forward.kind, CLIENT);
  assert.equal(forward.parentSpanId, create.spanId);
  assert.deepEqual(created.metadata.get('tracestate'), ['vendor=abc']);
  assert.deepEqual(created.metadata.get('containerd-namespace-ttrpc'), [shim.namespace]);
}

describe('OpenTelemetry tracing in the shim', { timeout: 120_000 }, () => {
  test('the SDK and its exporters are a bundle of their own, which the daemon loads only for tracing', () => {
    const bundle = (name: string): string =>
      readFileSync(join(repoRoot, 'dist', 'shim', `${name}.cjs`), 'utf8');
    // variable names the SDK and the exporters read: they survive minification
    for (const sdkOnly of [
      'OTEL_BSP_SCHEDULE_DELAY',
      'OTEL_EXPORTER_OTLP_COMPRESSION',
      'TraceService/Export',
    ]) {
      assert.ok(bundle('otel-sdk').includes(sdkOnly), sdkOnly);
      assert.ok(!bundle('daemon').includes(sdkOnly), `${sdkOnly} in the daemon bundle`);
    }
  });

  test('http/protobuf (the default): spans join the caller trace, cover runc, propagate into Forward, flushed at exit', async () => {
    const receiver = new OtlpHttpReceiver();
    await tracedLifecycle(receiver, {});
    assert.ok(receiver.requests.length > 0);
    for (const r of receiver.requests) {
      assert.equal(r.path, '/v1/traces');
      assert.equal(r.contentType, 'application/x-protobuf');
    }
  });

  test('grpc (OTEL_EXPORTER_OTLP_PROTOCOL=grpc): the same spans through TraceService/Export', async () => {
    const receiver = new OtlpGrpcReceiver();
    await tracedLifecycle(receiver, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    assert.ok(receiver.requests.length > 0);
    assert.ok(receiver.requests.every((r) => r.protocol === 'grpc'));
  });

  test('OTEL_SDK_DISABLED=true: no spans, no trace keys on Forward, even with an endpoint set', async (t) => {
    const receiver = new OtlpHttpReceiver();
    const endpoint = await receiver.listen();
    t.after(() => receiver.close());
    const shim = await startLiveShim({
      start: false,
      debug: true,
      env: {
        OTEL_SDK_DISABLED: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '10',
      },
    });
    try {
      await lifecycle(shim, `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`);
    } finally {
      await shim.stop();
    }
    assert.equal(receiver.requests.length, 0);
    assert.ok(shim.events.length > 0);
    for (const e of shim.events) assert.deepEqual([...e.metadata.keys()], ['containerd-namespace-ttrpc']);
    const log = shim.log();
    assert.ok(log.some((l) => l.includes('"tracing disabled"') && l.includes('OTEL_SDK_DISABLED=true')));
    assert.ok(!log.some((l) => l.includes('"tracing enabled"')));
    // -debug logs every RPC with its duration
    const rpc = log
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.method === 'containerd.task.v2.Task/Create');
    assert.ok(rpc, 'a debug line for the Create call');
    assert.equal(rpc.code, 'OK');
    assert.equal(typeof rpc.durationMs, 'number');
  });
});
