// The one entry point the shim calls: with tracing off (the usual case) it returns at once and the SDK and the
// exporters are never loaded; @opentelemetry/api then stays a no-op.
import { context, propagation, trace } from '@opentelemetry/api';
import { tracingFromEnv, type Env } from './config.ts';
import type { LogFn } from '../log/log-fn.ts';

export interface Tracing {
  readonly enabled: boolean;
  /** Exports what is still buffered; the shim awaits it before exiting. */
  shutdown(): Promise<void>;
}

const disabledTracing: Tracing = { enabled: false, shutdown: async () => undefined };

export async function setupTracing(env: Env, log: LogFn): Promise<Tracing> {
  const decision = tracingFromEnv(env);
  if (!decision.enabled) {
    log('debug', 'tracing disabled', { reason: decision.reason });
    return disabledTracing;
  }
  const { startSdk } = await import('./sdk.ts');
  const sdk = await startSdk(decision.protocol, log);
  context.setGlobalContextManager(sdk.contextManager);
  propagation.setGlobalPropagator(sdk.propagator);
  trace.setGlobalTracerProvider(sdk.tracerProvider);
  log('debug', 'tracing enabled', { endpoint: decision.endpoint, protocol: decision.protocol });
  return sdk.tracing;
}
