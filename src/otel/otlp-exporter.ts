// OTLP/HTTP with binary protobuf (the default protocol of containerd's tracing): POST to .../v1/traces.
import { encode } from '../api/codec.ts';
import type { SpanExporter } from './batch-processor.ts';
import { EXPORT_REQUEST_TYPE, exportRequest } from './otlp-encode.ts';
import type { FinishedSpan } from './span.ts';

export interface OtlpHttpOptions {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  resource: Record<string, string>;
}

export class OtlpHttpTraceExporter implements SpanExporter {
  constructor(private readonly options: OtlpHttpOptions) {}

  async export(spans: FinishedSpan[]): Promise<void> {
    if (spans.length === 0) return;
    // a copy in a plain ArrayBuffer: what fetch's BodyInit accepts
    const body = new Uint8Array(encode(EXPORT_REQUEST_TYPE, exportRequest(spans, this.options.resource)));
    const res = await fetch(this.options.url, {
      method: 'POST',
      headers: { ...this.options.headers, 'content-type': 'application/x-protobuf' },
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    // the body is a (possibly partial-success) ExportTraceServiceResponse we have no use for
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`OTLP endpoint ${this.options.url} answered HTTP ${res.status}`);
  }
}
