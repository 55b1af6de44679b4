// OTLP trace receivers on loopback, one per protocol the shim exports over: OTLP/HTTP (POST /v1/traces,
// binary protobuf) on node:http, and OTLP/gRPC (TraceService/Export) on @grpc/grpc-js. Requests are decoded by
// an oracle that shares nothing with the shim's code: the protobufjs code the OpenTelemetry project generated
// from the official opentelemetry-proto files and shipped in @opentelemetry/otlp-transformer (its last release
// that did; installed as otlp-transformer-protobufjs, with its own protobufjs).
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import generatedRoot from 'otlp-transformer-protobufjs/build/src/generated/root.js';

interface GeneratedType {
  decode(bytes: Uint8Array): object;
  encode(message: object): { finish(): Uint8Array };
  toObject(message: object, options: object): unknown;
}

interface OtlpOracle {
  opentelemetry: {
    proto: {
      collector: {
        trace: {
          v1: { ExportTraceServiceRequest: GeneratedType; ExportTraceServiceResponse: GeneratedType };
        };
      };
    };
  };
}

const collector = (generatedRoot as unknown as OtlpOracle).opentelemetry.proto.collector.trace.v1;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  flags: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  status: { code: number; message: string };
  resource: Record<string, unknown>;
  scope: string;
}

export interface ReceivedRequest {
  protocol: 'http/protobuf' | 'grpc';
  path: string;
  contentType: string;
  /** request headers (HTTP) or metadata (gRPC), lowercase keys */
  headers: Record<string, string>;
}

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
}

interface KeyValue {
  key: string;
  value?: AnyValue;
}

/** ExportTraceServiceRequest as the oracle's toObject gives it (longs as strings, bytes as hex below) */
interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: Uint8Array;
        spanId: Uint8Array;
        parentSpanId?: Uint8Array;
        name: string;
        kind?: number;
        flags?: number;
        startTimeUnixNano: string;
        endTimeUnixNano: string;
        attributes?: KeyValue[];
        status?: { code?: number; message?: string };
      }[];
    }[];
  }[];
}

function value(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}

function attrs(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
}

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex');

/** The spans of one ExportTraceServiceRequest, decoded by the oracle. */
export function decodeExportRequest(body: Uint8Array): ReceivedSpan[] {
  const message = collector.ExportTraceServiceRequest.decode(body);
  const req = collector.ExportTraceServiceRequest.toObject(message, { longs: String }) as ExportRequest;
  const spans: ReceivedSpan[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const resource = attrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? [])
      for (const s of ss.spans ?? [])
        spans.push({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name,
          kind: s.kind ?? 0,
          flags: s.flags ?? 0,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: attrs(s.attributes),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
          resource,
          scope: ss.scope?.name ?? '',
        });
  }
  return spans;
}

/** a server certificate and key (PEM) for a receiver that speaks TLS */
export interface ReceiverTls {
  cert: string;
  key: string;
}

export interface OtlpReceiver {
  readonly spans: ReceivedSpan[];
  readonly requests: ReceivedRequest[];
  /** the endpoint to put in OTEL_EXPORTER_OTLP_ENDPOINT */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** OTLP/HTTP with binary protobuf: what the shim sends by default; HTTPS when given a certificate. */
export class OtlpHttpReceiver implements OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly requests: ReceivedRequest[] = [];
  private readonly server: http.Server;

  constructor(private readonly tls?: ReceiverTls) {
    this.server = tls ? https.createServer(tls, this.handle) : http.createServer(this.handle);
  }

  private readonly handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.requests.push({
        protocol: 'http/protobuf',
        path: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      });
      this.spans.push(...decodeExportRequest(Buffer.concat(chunks)));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end(collector.ExportTraceServiceResponse.encode({}).finish());
    });
  };

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const scheme = this.tls ? 'https' : 'http';
    return `${scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** OTLP/gRPC: the TraceService of the official protos, served by grpc-js; plaintext (an http:// endpoint), or
 *  TLS (https://) when given a certificate. */
export class OtlpGrpcReceiver implements OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly requests: ReceivedRequest[] = [];
  private readonly server = new grpc.Server();

  constructor(private readonly tls?: ReceiverTls) {
    const service: grpc.ServiceDefinition = {
      Export: {
        path: EXPORT_PATH,
        requestStream: false,
        responseStream: false,
        requestSerialize: (v: Buffer) => v,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (v: object) =>
          Buffer.from(collector.ExportTraceServiceResponse.encode(v).finish()),
        responseDeserialize: (b: Buffer) => b,
      },
    };
    this.server.addService(service, {
      Export: (call: grpc.ServerUnaryCall<Buffer, object>, callback: grpc.sendUnaryData<object>) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(call.metadata.getMap())) headers[k] = String(v);
        this.requests.push({ protocol: 'grpc', path: EXPORT_PATH, contentType: 'application/grpc', headers });
        try {
          this.spans.push(...decodeExportRequest(call.request));
          callback(null, {});
        } catch (err) {
          callback({ code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message });
        }
      },
    });
  }

  listen(): Promise<string> {
    return new Promise((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', this.credentials(), (err, port) =>
        err ? reject(err) : resolve(`${this.tls ? 'https' : 'http'}://127.0.0.1:${port}`),
      ),
    );
  }

  private credentials(): grpc.ServerCredentials {
    if (!this.tls) return grpc.ServerCredentials.createInsecure();
    const { cert, key } = this.tls;
    return grpc.ServerCredentials.createSsl(null, [
      { cert_chain: Buffer.from(cert), private_key: Buffer.from(key) },
    ]);
  }

  close(): Promise<void> {
    this.server.forceShutdown();
    return Promise.resolve();
  }
}
