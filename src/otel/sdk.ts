// Tracing switched on: the OpenTelemetry SDK's tracer provider (sampler, span limits and batch processor from
// the standard OTEL_* variables), the resource from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, the W3C
// trace-context and baggage propagators containerd uses, and the OTLP exporter for the chosen protocol.
// A bundle of its own (scripts/shim-bundle.mjs), loaded only when tracing is on; the exporter of the other
// protocol is never even evaluated.
import {
  diag,
  DiagLogLevel,
  type ContextManager,
  type DiagLogger,
  type TextMapPropagator,
  type TracerProvider,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  diagLogLevelFromString,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpProtocol } from './config.ts';
import { exporterTls, grpcUsesTls } from './extra-ca.ts';
import type { LogFn } from '../log/log-fn.ts';
import type { Tracing } from './setup.ts';

/** What the caller registers as @opentelemetry/api's globals. It does so with its own copy of the API: this module is
 *  a separate bundle with its own copy, and tracers the shim took before tracing started (ProxyTracers) only
 *  follow a provider registered through the copy that made them. */
export interface Sdk {
  tracing: Tracing;
  tracerProvider: TracerProvider;
  contextManager: ContextManager;
  propagator: TextMapPropagator;
}

/** The SDK's own complaints (failed exports, bad OTEL_* values) go to the shim's log. */
function diagToLog(log: LogFn): DiagLogger {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, ...args: unknown[]): void => {
      const detail = args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
      log(level, `opentelemetry: ${message}`, detail ? { detail } : undefined);
    };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), verbose: at('debug') };
}

async function otlpExporter(protocol: OtlpProtocol): Promise<SpanExporter> {
  const tls = exporterTls();
  if (protocol === 'grpc') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-grpc');
    // only for a TLS endpoint: http:// (or OTEL_EXPORTER_OTLP_INSECURE) stays plaintext, as the exporter decides
    if (!tls || !grpcUsesTls()) return new OTLPTraceExporter();
    const { credentials } = await import('@grpc/grpc-js');
    return new OTLPTraceExporter({
      credentials: credentials.createSsl(Buffer.from(tls.ca.join('\n')), tls.key ?? null, tls.cert ?? null),
    });
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(tls ? { httpAgentOptions: { keepAlive: true, ...tls } } : {});
}

export async function startSdk(protocol: OtlpProtocol, log: LogFn): Promise<Sdk> {
  diag.setLogger(diagToLog(log), {
    logLevel: diagLogLevelFromString(process.env.OTEL_LOG_LEVEL) ?? DiagLogLevel.WARN,
    suppressOverrideMessage: true,
  });
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ 'process.pid': process.pid }));
  const processor = new BatchSpanProcessor(await otlpExporter(protocol));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  let stopped: Promise<void> | undefined;
  return {
    tracing: {
      enabled: true,
      // exports what is still buffered, then closes the exporter's connection
      shutdown: () => (stopped ??= provider.shutdown()),
    },
    tracerProvider: provider,
    contextManager: new AsyncLocalStorageContextManager(),
    propagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  };
}
