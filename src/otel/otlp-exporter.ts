// OTLP/HTTP with binary protobuf (the default protocol of containerd's tracing): POST to .../v1/traces.
// node:http, not fetch: fetch's HTTP parser is WebAssembly, which a daemon run with --jitless (possible through
// TSSHIM_DAEMON_NODE_FLAGS) does not have.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { SpanExporter } from './batch-processor.ts';
import { EXPORT_REQUEST_TYPE, exportRequest } from './otlp-encode.ts';
import type { FinishedSpan } from './span.ts';

export interface OtlpHttpOptions {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  resource: Record<string, string>;
  /** the shim's protobuf codec (src/api/codec.ts encode), passed in so the lazily loaded SDK bundle does not
   *  carry a second copy of protobufjs and the descriptor */
  encode: (typeName: string, value: object) => Uint8Array;
}

let extraCa: string[] | undefined;

/** Node's CAs plus the file bin/containerd-shim-tsshim-v2 took out of NODE_EXTRA_CA_CERTS (so that Node does not
 *  parse it at every shim start); undefined when there is none, for Node's defaults. */
export function certificateAuthorities(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const file = env.TSSHIM_NODE_EXTRA_CA_CERTS;
  if (!file) return undefined;
  if (!extraCa) {
    try {
      extraCa = [...rootCertificates, readFileSync(file, 'utf8')];
    } catch {
      // as Node does with a NODE_EXTRA_CA_CERTS it cannot read: carry on with its own CAs
      extraCa = [...rootCertificates];
    }
  }
  return extraCa;
}

function post(
  url: URL,
  headers: Record<string, string>,
  body: Uint8Array,
  timeoutMs: number,
): Promise<number> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(body.length) },
        timeout: timeoutMs,
        ...(url.protocol === 'https:' ? { ca: certificateAuthorities() } : {}),
      },
      (res) => {
        // the body is a (possibly partial-success) ExportTraceServiceResponse we have no use for
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`OTLP endpoint ${url.href} timed out after ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

export class OtlpHttpTraceExporter implements SpanExporter {
  constructor(private readonly options: OtlpHttpOptions) {}

  async export(spans: FinishedSpan[]): Promise<void> {
    if (spans.length === 0) return;
    const body = this.options.encode(EXPORT_REQUEST_TYPE, exportRequest(spans, this.options.resource));
    const headers = { ...this.options.headers, 'content-type': 'application/x-protobuf' };
    const status = await post(new URL(this.options.url), headers, body, this.options.timeoutMs);
    if (status < 200 || status >= 300)
      throw new Error(`OTLP endpoint ${this.options.url} answered HTTP ${status}`);
  }
}
