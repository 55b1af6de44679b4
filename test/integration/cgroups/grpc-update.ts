// containerd's Tasks.Update over its gRPC socket (ctr has no `task update`): just enough gRPC over node:http2
// for one unary call, the request hand-encoded with protobufjs's writer.
import { connect as http2Connect, constants } from 'node:http2';
import { connect as netConnect } from 'node:net';
import protobuf from 'protobufjs/light.js';

export const LINUX_RESOURCES_URL = 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources';

export interface GrpcResult {
  /** grpc-status: 0 OK, 3 InvalidArgument, ... */
  code: number;
  message: string;
}

function updateTaskRequest(containerId: string, typeUrl: string, value: Uint8Array): Uint8Array {
  // containerd.services.tasks.v1.UpdateTaskRequest { string container_id = 1; google.protobuf.Any resources = 2; }
  const any = protobuf.Writer.create().uint32(0x0a).string(typeUrl).uint32(0x12).bytes(value).finish();
  return protobuf.Writer.create().uint32(0x0a).string(containerId).uint32(0x12).bytes(any).finish();
}

export async function updateTask(
  socket: string,
  namespace: string,
  containerId: string,
  resources: { typeUrl?: string; json: string },
): Promise<GrpcResult> {
  const body = updateTaskRequest(
    containerId,
    resources.typeUrl ?? LINUX_RESOURCES_URL,
    Buffer.from(resources.json, 'utf8'),
  );
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(body.length, 1);
  Buffer.from(body).copy(frame, 5);
  const session = http2Connect('http://localhost', { createConnection: () => netConnect(socket) });
  try {
    return await new Promise<GrpcResult>((resolve, reject) => {
      session.on('error', reject);
      const req = session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: '/containerd.services.tasks.v1.Tasks/Update',
        'content-type': 'application/grpc',
        te: 'trailers',
        'containerd-namespace': namespace,
      });
      let headers: Record<string, unknown> = {};
      req.on('response', (h) => (headers = h));
      req.on('trailers', (t) => (headers = { ...headers, ...t }));
      req.on('data', () => {});
      req.on('error', reject);
      req.on('end', () =>
        resolve({
          code: Number(headers['grpc-status'] ?? -1),
          message: decodeURIComponent(String(headers['grpc-message'] ?? '')),
        }),
      );
      req.end(frame);
    });
  } finally {
    session.close();
  }
}
