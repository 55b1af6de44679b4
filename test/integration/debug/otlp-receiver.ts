// A small OTLP/HTTP receiver on loopback: decodes every ExportTraceServiceRequest it is sent.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decode } from '../../../src/api/codec.ts';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  status: { code: number; message: string };
  resource: Record<string, unknown>;
  scope: string;
}

interface KeyValue {
  key: string;
  value: Record<string, unknown> | null;
}

interface ExportRequest {
  resource_spans: {
    resource: { attributes: KeyValue[] } | null;
    scope_spans: {
      scope: { name: string } | null;
      spans: {
        trace_id: Uint8Array;
        span_id: Uint8Array;
        parent_span_id: Uint8Array;
        name: string;
        kind: number;
        start_time_unix_nano: { low: number; high: number } | number | string;
        end_time_unix_nano: { low: number; high: number } | number | string;
        attributes: KeyValue[];
        status: { code: number; message: string } | null;
      }[];
    }[];
  }[];
}

function attrs(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) {
    const v = kv.value ?? {};
    const key = Object.keys(v).find((k) => k.endsWith('_value') && v[k] !== undefined && v[k] !== null);
    let value = key ? v[key] : undefined;
    if (key === 'array_value')
      value = ((value as { values: Record<string, unknown>[] }).values ?? []).map((e) => Object.values(e)[0]);
    out[kv.key] = value;
  }
  return out;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly requests: { path: string; contentType: string }[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.requests.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '' });
      const body = decode<ExportRequest>(
        'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
        Buffer.concat(chunks),
      );
      for (const rs of body.resource_spans) {
        const resource = attrs(rs.resource?.attributes);
        for (const ss of rs.scope_spans)
          for (const s of ss.spans)
            this.spans.push({
              traceId: hex(s.trace_id),
              spanId: hex(s.span_id),
              parentSpanId: hex(s.parent_span_id),
              name: s.name,
              kind: s.kind,
              startNs: BigInt(String(s.start_time_unix_nano)),
              endNs: BigInt(String(s.end_time_unix_nano)),
              attributes: attrs(s.attributes),
              status: s.status ?? { code: 0, message: '' },
              resource,
              scope: ss.scope?.name ?? '',
            });
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
