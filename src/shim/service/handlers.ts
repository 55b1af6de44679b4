// The wire side of the Task service: decode each request, call the service, encode the reply.
import { decode, encode } from '../../api/codec.ts';
import { TypeNames } from '../../api/types.ts';
import { decodePayload, type CallContext, type ServiceMethods } from '../../ttrpc/index.ts';
import type { TaskService } from './task-service.ts';

const EMPTY = new Uint8Array();

type Handler = (payload: Uint8Array, ctx: CallContext) => Promise<Uint8Array>;

function unary<Req>(
  requestType: string,
  responseType: string | undefined,
  fn: (req: Req, ctx: CallContext) => unknown,
): Handler {
  return async (payload, ctx) => {
    const result = await fn(
      decodePayload((bytes) => decode<Req>(requestType, bytes), payload),
      ctx,
    );
    return responseType ? encode(responseType, result as object) : EMPTY;
  };
}

export function taskMethods(service: TaskService): ServiceMethods {
  const T = TypeNames;
  return {
    State: unary(T.stateRequest, T.stateResponse, (r: { id: string; exec_id: string }) => service.state(r)),
    Create: unary(T.createTaskRequest, T.createTaskResponse, (r: Parameters<TaskService['create']>[0]) =>
      service.create(r),
    ),
    Start: unary(T.startRequest, T.startResponse, (r: { id: string; exec_id: string }) => service.start(r)),
    Delete: unary(T.deleteRequest, T.deleteResponse, (r: { id: string; exec_id: string }) =>
      service.delete(r),
    ),
    Pids: unary(T.pidsRequest, T.pidsResponse, async (r: { id: string }) => ({
      processes: await service.pids(r),
    })),
    Pause: unary(T.pauseRequest, undefined, (r: { id: string }) => service.pause(r)),
    Resume: unary(T.resumeRequest, undefined, (r: { id: string }) => service.resume(r)),
    Checkpoint: unary(T.checkpointTaskRequest, undefined, (r: Parameters<TaskService['checkpoint']>[0]) =>
      service.checkpoint(r),
    ),
    Kill: unary(T.killRequest, undefined, (r: Parameters<TaskService['kill']>[0]) => service.kill(r)),
    Exec: unary(T.execProcessRequest, undefined, (r: Parameters<TaskService['exec']>[0]) => service.exec(r)),
    ResizePty: unary(T.resizePtyRequest, undefined, (r: Parameters<TaskService['resizePty']>[0]) =>
      service.resizePty(r),
    ),
    CloseIO: unary(T.closeIORequest, undefined, (r: Parameters<TaskService['closeIO']>[0]) =>
      service.closeIO(r),
    ),
    Update: unary(T.updateTaskRequest, undefined, (r: Parameters<TaskService['update']>[0]) =>
      service.update(r),
    ),
    Wait: unary(T.waitRequest, T.waitResponse, (r: { id: string; exec_id: string }, ctx) =>
      service.wait(r, ctx.signal),
    ),
    Stats: unary(T.statsRequest, T.statsResponse, (r: { id: string }) => service.stats(r)),
    Connect: unary(T.connectRequest, T.connectResponse, (r: { id: string }) => service.connect(r)),
    Shutdown: unary(T.shutdownRequest, undefined, () => service.shutdown()),
  };
}
