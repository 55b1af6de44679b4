// When tracing turns on: containerd's rule (OTEL_SDK_DISABLED not true, an OTLP endpoint set) and the OTLP
// exporter variables.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKeyValueList, tracingFromEnv } from '../../../src/otel/config.ts';

describe('tracingFromEnv', () => {
  test('off without an endpoint, whatever OTEL_SDK_DISABLED says', () => {
    assert.deepEqual(tracingFromEnv({}), { enabled: false, reason: 'tracing endpoint not configured' });
    assert.equal(tracingFromEnv({ OTEL_SDK_DISABLED: 'false' }).enabled, false);
  });

  test('on with either endpoint variable when not disabled', () => {
    for (const env of [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' },
      { OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
      { OTEL_SDK_DISABLED: 'F', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
    ]) {
      const d = tracingFromEnv(env);
      assert.ok(d.enabled, JSON.stringify(env));
      assert.equal(d.config.url, 'http://127.0.0.1:4318/v1/traces');
    }
  });

  test('OTEL_SDK_DISABLED true (Go ParseBool spellings) or unparsable turns it off', () => {
    for (const v of ['true', '1', 'T', 'TRUE']) {
      const d = tracingFromEnv({ OTEL_SDK_DISABLED: v, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:1' });
      assert.equal(d.enabled, false, v);
    }
    const bad = tracingFromEnv({ OTEL_SDK_DISABLED: 'yes', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:1' });
    assert.deepEqual(bad, { enabled: false, reason: 'invalid value for OTEL_SDK_DISABLED: yes' });
  });

  test('only http/protobuf is exported; other protocols and exporters turn it off', () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:1' };
    assert.equal(tracingFromEnv({ ...base, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).enabled, false);
    assert.equal(tracingFromEnv({ ...base, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }).enabled, false);
    assert.equal(tracingFromEnv({ ...base, OTEL_TRACES_EXPORTER: 'none' }).enabled, false);
    assert.equal(tracingFromEnv({ ...base, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }).enabled, true);
  });

  test('endpoint, headers, service name, timeouts and sampler come from their variables', () => {
    const d = tracingFromEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318/',
      OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=x%20y',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=2',
      OTEL_SERVICE_NAME: 'containerd-shim-abc',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test,service.name=ignored',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    assert.ok(d.enabled);
    assert.equal(d.config.url, 'http://collector:4318/v1/traces');
    assert.deepEqual(d.config.headers, { a: '1', b: '2' });
    assert.equal(d.config.serviceName, 'containerd-shim-abc');
    assert.equal(d.config.resourceAttributes['deployment.environment'], 'test');
    assert.equal(d.config.timeoutMs, 2500);
    assert.deepEqual(d.config.sampler, { name: 'traceidratio', ratio: 0.25 });
    assert.equal(d.config.batch.scheduleDelayMs, 100);
    assert.equal(d.config.batch.maxExportBatchSize, 512);
  });

  test('key=value lists are percent-decoded and skip malformed items', () => {
    assert.deepEqual(parseKeyValueList('k=v%2Cw, x = y ,broken,=z'), { k: 'v,w', x: 'y' });
  });
});
