// Tracing switched on: registers the context manager, the W3C propagator and our TracerProvider with
// @opentelemetry/api, so every tracer the code already holds starts recording. Loaded only when enabled.
import type { ContextManager, TextMapPropagator, TracerProvider } from '@opentelemetry/api';
import { BatchSpanProcessor } from './batch-processor.ts';
import type { TracingConfig } from './config.ts';
import { AsyncLocalStorageContextManager } from './context-manager.ts';
import type { OtelLog } from './log.ts';
import { OtlpHttpTraceExporter, type OtlpHttpOptions } from './otlp-exporter.ts';
import { W3CTraceContextPropagator } from './propagator.ts';
import { makeSampler } from './sampler.ts';
import type { Tracing } from './setup.ts';
import { SdkTracerProvider } from './tracer.ts';

export const SDK_NAME = 'tsshim';

export function resourceAttributes(config: TracingConfig): Record<string, string> {
  return {
    ...config.resourceAttributes,
    'service.name': config.serviceName,
    'telemetry.sdk.name': SDK_NAME,
    'telemetry.sdk.language': 'nodejs',
    'process.pid': String(process.pid),
  };
}

type OtlpEncode = OtlpHttpOptions['encode'];

/** What the caller registers as @opentelemetry/api's globals. It does so with its own copy of the API: this module is
 *  a separate bundle with its own copy, and tracers the shim took before tracing started (ProxyTracers) only
 *  follow a provider registered through the copy that made them. */
export interface Sdk {
  tracing: Tracing;
  tracerProvider: TracerProvider;
  contextManager: ContextManager;
  propagator: TextMapPropagator;
}

export function startSdk(config: TracingConfig, log: OtelLog, encode: OtlpEncode): Sdk {
  const exporter = new OtlpHttpTraceExporter({
    encode,
    url: config.url,
    headers: config.headers,
    timeoutMs: config.timeoutMs,
    resource: resourceAttributes(config),
  });
  const processor = new BatchSpanProcessor(exporter, config.batch, log);
  const provider = new SdkTracerProvider(makeSampler(config.sampler.name, config.sampler.ratio), processor);
  log('debug', 'tracing enabled', { endpoint: config.url, serviceName: config.serviceName });
  let stopped: Promise<void> | undefined;
  return {
    tracing: {
      enabled: true,
      shutdown: () => {
        stopped ??= processor.shutdown().then(() => {
          if (processor.dropped > 0)
            log('warn', 'spans dropped: export queue full', { dropped: processor.dropped });
        });
        return stopped;
      },
    },
    tracerProvider: provider,
    contextManager: new AsyncLocalStorageContextManager(),
    propagator: new W3CTraceContextPropagator(),
  };
}
