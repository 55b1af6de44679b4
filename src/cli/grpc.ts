// A unary gRPC call over a unix socket (HTTP/2 without TLS, as containerd serves its API), for the few
// containerd calls the tool makes (version, CRI status). node:http2 carries it; the messages involved are small
// enough to read with the wire-format walk below, which keeps their schemas out of the shim's descriptor.
import http2 from 'node:http2';
import net from 'node:net';

export class GrpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function statusError(headers: http2.IncomingHttpHeaders): GrpcError | undefined {
  const status = headers['grpc-status'];
  if (status === undefined || status === '0') return undefined;
  const raw = String(headers['grpc-message'] ?? '');
  let message = raw;
  try {
    message = decodeURIComponent(raw);
  } catch {
    // not percent-encoded after all: keep it as sent
  }
  return new GrpcError(Number(status), `rpc error: code = ${status} desc = ${message}`);
}

/** Calls `/package.Service/Method` on the gRPC server at socketPath with an encoded request; resolves with the
 *  encoded response. */
export function grpcUnary(
  socketPath: string,
  path: string,
  request: Uint8Array,
  timeoutMs = 5_000,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const session = http2.connect('http://localhost', { createConnection: () => socket });
    let settled = false;
    const finish = (err: Error | undefined, out?: Uint8Array): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.close();
      session.destroy();
      if (err) reject(err);
      else resolve(out ?? new Uint8Array());
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    // the socket's own error ("connect ENOENT <path>") says more than the session's about a stream it cancels
    socket.once('error', (err) => finish(err));
    session.on('error', (err) => finish(err));
    const frame = Buffer.alloc(5 + request.length);
    frame.writeUInt32BE(request.length, 1);
    frame.set(request, 5);
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks: Buffer[] = [];
    let headerError: GrpcError | undefined;
    stream.on('response', (headers) => {
      // a call that fails at once answers with headers only ("trailers-only")
      headerError = statusError(headers);
    });
    stream.on('trailers', (trailers) => {
      headerError = statusError(trailers) ?? headerError;
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', (err) => finish(err));
    stream.on('end', () => {
      if (headerError) return finish(headerError);
      const body = Buffer.concat(chunks);
      if (body.length < 5) return finish(new Error('empty gRPC response'));
      finish(undefined, body.subarray(5, 5 + body.readUInt32BE(1)));
    });
    stream.end(frame);
  });
}

/** Length-delimited fields of one protobuf message, by field number (scalars are skipped): enough for messages
 *  made of strings, sub-messages and maps. */
export function messageFields(buf: Uint8Array): Map<number, Uint8Array[]> {
  const fields = new Map<number, Uint8Array[]>();
  let i = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (i >= buf.length) throw new Error('truncated protobuf message');
      const byte = buf[i++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const wireType = key % 8;
    const field = Math.floor(key / 8);
    if (wireType === 0) varint();
    else if (wireType === 1) i += 8;
    else if (wireType === 5) i += 4;
    else if (wireType === 2) {
      const length = varint();
      const value = buf.subarray(i, i + length);
      i += length;
      fields.set(field, [...(fields.get(field) ?? []), value]);
    } else throw new Error(`unsupported protobuf wire type ${wireType}`);
  }
  return fields;
}

export function stringField(fields: Map<number, Uint8Array[]>, field: number): string {
  const value = fields.get(field)?.[0];
  return value ? Buffer.from(value).toString('utf8') : '';
}

/** A map<string, string> field. */
export function stringMapField(fields: Map<number, Uint8Array[]>, field: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fields.get(field) ?? []) {
    const kv = messageFields(entry);
    out[stringField(kv, 1)] = stringField(kv, 2);
  }
  return out;
}

/** containerd's Version service: its version and revision. */
export async function containerdVersion(
  socketPath: string,
  timeoutMs?: number,
): Promise<{ version: string; revision: string }> {
  const out = await grpcUnary(
    socketPath,
    '/containerd.services.version.v1.Version/Version',
    new Uint8Array(),
    timeoutMs,
  );
  const fields = messageFields(out);
  return { version: stringField(fields, 1), revision: stringField(fields, 2) };
}
