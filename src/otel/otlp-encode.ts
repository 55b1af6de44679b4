// Ended spans as an OTLP ExportTraceServiceRequest (opentelemetry/proto, protobufjs object form).
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { FinishedSpan } from './span.ts';

export const EXPORT_REQUEST_TYPE = 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest';

interface OtlpAnyValue {
  string_value?: string;
  bool_value?: boolean;
  int_value?: number;
  double_value?: number;
  array_value?: { values: OtlpAnyValue[] };
}

interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

/** fixed64 as protobufjs's LongBits shape: a bigint past 2^53 would lose its low bits as a number. */
interface Fixed64 {
  low: number;
  high: number;
  unsigned: true;
}

export function fixed64(ns: bigint): Fixed64 {
  return { low: Number(ns & 0xffffffffn), high: Number((ns >> 32n) & 0xffffffffn), unsigned: true };
}

function anyValue(value: AttributeValue | null | undefined): OtlpAnyValue {
  if (Array.isArray(value)) return { array_value: { values: value.map((v) => anyValue(v)) } };
  switch (typeof value) {
    case 'string':
      return { string_value: value };
    case 'boolean':
      return { bool_value: value };
    case 'number':
      return Number.isInteger(value) ? { int_value: value } : { double_value: value };
    default:
      return {};
  }
}

export function keyValues(attributes: Attributes | Record<string, string>): OtlpKeyValue[] {
  return Object.entries(attributes)
    .filter(([, v]) => v !== undefined)
    .map(([key, v]) => ({ key, value: anyValue(v) }));
}

function bytes(hex: string | undefined): Uint8Array {
  return hex ? Buffer.from(hex, 'hex') : new Uint8Array();
}

function otlpSpan(span: FinishedSpan): object {
  const sc = span.spanContext;
  return {
    trace_id: bytes(sc.traceId),
    span_id: bytes(sc.spanId),
    trace_state: sc.traceState?.serialize() ?? '',
    parent_span_id: bytes(span.parentSpanId),
    flags: sc.traceFlags & 0xff,
    name: span.name,
    // API SpanKind counts from INTERNAL = 0, OTLP from UNSPECIFIED = 0
    kind: span.kind + 1,
    start_time_unix_nano: fixed64(span.startNs),
    end_time_unix_nano: fixed64(span.endNs),
    attributes: keyValues(span.attributes),
    events: span.events.map((e) => ({
      time_unix_nano: fixed64(e.timeNs),
      name: e.name,
      attributes: keyValues(e.attributes),
    })),
    links: span.links.map((l) => ({
      trace_id: bytes(l.context.traceId),
      span_id: bytes(l.context.spanId),
      trace_state: l.context.traceState?.serialize() ?? '',
      attributes: keyValues(l.attributes ?? {}),
      flags: l.context.traceFlags & 0xff,
    })),
    status: { code: span.status.code, message: span.status.message ?? '' },
  };
}

export function exportRequest(spans: readonly FinishedSpan[], resource: Record<string, string>): object {
  const byScope = new Map<string, FinishedSpan[]>();
  for (const s of spans) {
    const key = `${s.scope.name}\0${s.scope.version ?? ''}`;
    const list = byScope.get(key);
    if (list) list.push(s);
    else byScope.set(key, [s]);
  }
  return {
    resource_spans: [
      {
        resource: { attributes: keyValues(resource) },
        scope_spans: [...byScope.values()].map((list) => ({
          scope: { name: list[0]!.scope.name, version: list[0]!.scope.version ?? '' },
          spans: list.map(otlpSpan),
        })),
      },
    ],
  };
}
