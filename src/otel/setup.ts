// The one entry point the shim calls: with tracing off (the usual case) it returns at once and the SDK, the
// exporter and their protobuf encoding are never imported; @opentelemetry/api then stays a no-op.
import { context, propagation, trace } from '@opentelemetry/api';
import { encode } from '../api/codec.ts';
import { tracingFromEnv, type Env } from './config.ts';
import type { OtelLog } from './log.ts';

export interface Tracing {
  readonly enabled: boolean;
  /** Exports what is still buffered; the shim awaits it before exiting. */
  shutdown(): Promise<void>;
}

const disabledTracing: Tracing = { enabled: false, shutdown: async () => undefined };

export async function setupTracing(env: Env, log: OtelLog): Promise<Tracing> {
  const decision = tracingFromEnv(env);
  if (!decision.enabled) {
    log('debug', 'tracing disabled', { reason: decision.reason });
    return disabledTracing;
  }
  const { startSdk } = await import('./sdk.ts');
  const sdk = startSdk(decision.config, log, encode);
  context.setGlobalContextManager(sdk.contextManager);
  propagation.setGlobalPropagator(sdk.propagator);
  trace.setGlobalTracerProvider(sdk.tracerProvider);
  return sdk.tracing;
}
