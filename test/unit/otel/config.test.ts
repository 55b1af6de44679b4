// When tracing turns on: containerd's rule (OTEL_SDK_DISABLED not true, an OTLP endpoint set) and the two
// protocols it exports over. The rest of the OTEL_* variables belong to the SDK and the exporters.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tracingFromEnv } from '../../../src/otel/config.ts';

describe('tracingFromEnv', () => {
  test('off without an endpoint, whatever OTEL_SDK_DISABLED says', () => {
    assert.deepEqual(tracingFromEnv({}), { enabled: false, reason: 'tracing endpoint not configured' });
    assert.equal(tracingFromEnv({ OTEL_SDK_DISABLED: 'false' }).enabled, false);
  });

  test('on with either endpoint variable when not disabled, http/protobuf by default', () => {
    for (const env of [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318' },
      { OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
      { OTEL_SDK_DISABLED: 'F', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
    ]) {
      assert.deepEqual(
        tracingFromEnv(env),
        { enabled: true, protocol: 'http/protobuf', endpoint: 'http://127.0.0.1:4318' },
        JSON.stringify(env),
      );
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

  test('grpc or http/protobuf, the traces-specific variable first; other protocols and exporters turn it off', () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:1' };
    const protocol = (env: Record<string, string>): string | undefined => {
      const d = tracingFromEnv({ ...base, ...env });
      return d.enabled ? d.protocol : undefined;
    };
    assert.equal(protocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), 'grpc');
    assert.equal(protocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }), 'http/protobuf');
    assert.equal(
      protocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }),
      'grpc',
    );
    assert.equal(protocol({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }), undefined);
    assert.equal(protocol({ OTEL_TRACES_EXPORTER: 'none' }), undefined);
    assert.equal(protocol({ OTEL_TRACES_EXPORTER: 'otlp' }), 'http/protobuf');
  });
});
