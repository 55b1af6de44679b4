// A minimal TracerProvider for @opentelemetry/api: random ids, the configured sampler, spans to one sink.
import { randomBytes } from 'node:crypto';
import {
  context,
  isSpanContextValid,
  SpanKind,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerOptions,
  type TracerProvider,
} from '@opentelemetry/api';
import type { SampleFn } from './sampler.ts';
import { RecordingSpan, type Scope, type SpanSink } from './span.ts';

export class SdkTracer implements Tracer {
  constructor(
    private readonly scope: Scope,
    private readonly sample: SampleFn,
    private readonly sink: SpanSink,
  ) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    const candidate = options.root ? undefined : trace.getSpanContext(ctx);
    const parent = candidate && isSpanContextValid(candidate) ? candidate : undefined;
    const traceId = parent?.traceId ?? randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const sampled = this.sample(parent, traceId);
    const spanContext = {
      traceId,
      spanId,
      traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
      ...(parent?.traceState ? { traceState: parent.traceState } : {}),
    };
    // An unsampled span still carries its ids, so what we call next joins the same (unsampled) trace.
    if (!sampled) return trace.wrapSpanContext(spanContext);
    return new RecordingSpan(
      name,
      spanContext,
      options.kind ?? SpanKind.INTERNAL,
      parent?.spanId,
      this.scope,
      this.sink,
      {
        ...(options.attributes ? { attributes: options.attributes } : {}),
        ...(options.links ? { links: options.links } : {}),
        ...(options.startTime !== undefined ? { startTime: options.startTime } : {}),
      },
    );
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    a: SpanOptions | F,
    b?: Context | F,
    c?: F,
  ): ReturnType<F> {
    let options: SpanOptions = {};
    let ctx = context.active();
    let fn: F;
    if (typeof a === 'function') fn = a;
    else if (typeof b === 'function') {
      options = a;
      fn = b;
    } else {
      options = a;
      if (b) ctx = b;
      fn = c as F;
    }
    const span = this.startSpan(name, options, ctx);
    return context.with(trace.setSpan(ctx, span), (s: Span) => fn(s), undefined, span) as ReturnType<F>;
  }
}

export class SdkTracerProvider implements TracerProvider {
  private readonly tracers = new Map<string, SdkTracer>();

  constructor(
    private readonly sample: SampleFn,
    private readonly sink: SpanSink,
  ) {}

  getTracer(name: string, version?: string, _options?: TracerOptions): Tracer {
    const key = `${name}@${version ?? ''}`;
    let tracer = this.tracers.get(key);
    if (!tracer) {
      tracer = new SdkTracer(version ? { name, version } : { name }, this.sample, this.sink);
      this.tracers.set(key, tracer);
    }
    return tracer;
  }
}
