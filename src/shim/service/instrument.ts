// Wraps every ttrpc handler of a service: a server span that joins the caller's trace (W3C keys in the
// request metadata, as containerd's otelttrpc client interceptor sends them) and, with -debug, a log line
// with the call's duration and status. Handlers, errors and replies pass through untouched.
import { monotonicMs } from '../clock.ts';
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { metadataGetter } from '../../otel/ttrpc-carrier.ts';
import {
  codeName,
  getMetadataValue,
  toStatus,
  type ServiceMethods,
  type UnaryHandler,
} from '../../ttrpc/index.ts';
import type { LogFn } from '../logger.ts';

export const TRACER_NAME = 'tsshim';
const NAMESPACE_KEY = 'containerd-namespace-ttrpc';

export function instrumentService(service: string, methods: ServiceMethods, log: LogFn): ServiceMethods {
  const tracer = trace.getTracer(TRACER_NAME);
  const out: Record<string, UnaryHandler> = {};
  for (const [method, handler] of Object.entries(methods)) {
    const name = `${service}/${method}`;
    out[method] = (payload, ctx) => {
      const parent = propagation.extract(ROOT_CONTEXT, ctx.metadata, metadataGetter);
      const namespace = getMetadataValue(ctx.metadata, NAMESPACE_KEY);
      const attributes = {
        'rpc.system': 'ttrpc',
        'rpc.service': service,
        'rpc.method': method,
        ...(namespace ? { 'containerd.namespace': namespace } : {}),
      };
      return tracer.startActiveSpan(name, { kind: SpanKind.SERVER, attributes }, parent, async (span) => {
        const began = monotonicMs();
        let code = 0;
        try {
          return await handler(payload, ctx);
        } catch (err) {
          const status = toStatus(err);
          code = status.code;
          span.setStatus({ code: SpanStatusCode.ERROR, message: status.message });
          throw err;
        } finally {
          span.setAttribute('rpc.ttrpc.status_code', code);
          span.end();
          log('debug', 'rpc', {
            method: name,
            code: codeName(code),
            durationMs: Math.round((monotonicMs() - began) * 1000) / 1000,
          });
        }
      });
    };
  }
  return out;
}
