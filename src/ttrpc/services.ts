// Which handler serves which service and method; the server itself knows no service.
import { Code } from './codes.ts';
import type { Metadata } from './metadata.ts';
import type { RpcStatus } from './envelope.ts';
import { TtrpcError } from './status.ts';

export interface CallContext {
  service: string;
  method: string;
  streamId: number;
  metadata: Metadata;
  /**
   * Aborts when the request's timeout_nano passes (reason: a DeadlineExceeded error), when the
   * connection closes, and, as in Go, once the handler has returned (reason: a Canceled error).
   */
  signal: AbortSignal;
  /** Absolute deadline in epoch milliseconds, when the caller sent a timeout. */
  deadline?: number;
}

/** Decodes the request payload, does the work, returns the encoded reply (empty for google.protobuf.Empty). */
export type UnaryHandler = (payload: Uint8Array, ctx: CallContext) => Promise<Uint8Array> | Uint8Array;

export type ServiceMethods = Readonly<Record<string, UnaryHandler>>;

/** Runs a handler's payload decoder; a payload that does not decode fails the call as Go's generated ttrpc code
 *  does, with status 13 and this wording. */
export function decodePayload<T>(decode: (payload: Uint8Array) => T, payload: Uint8Array): T {
  try {
    return decode(payload);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new TtrpcError(Code.Internal, `ttrpc: error unmarshalling payload: ${detail}`, { cause: err });
  }
}

export type Resolution = { handler: UnaryHandler } | { status: RpcStatus };

export class ServiceRegistry {
  private readonly services = new Map<string, Map<string, UnaryHandler>>();

  register(service: string, methods: ServiceMethods): void {
    if (this.services.has(service)) throw new Error(`ttrpc: service ${service} is already registered`);
    this.services.set(service, new Map(Object.entries(methods)));
  }

  /** Exact, case-sensitive lookup, service first, with Go's messages for misses. */
  resolve(service: string, method: string): Resolution {
    const methods = this.services.get(service);
    if (methods === undefined) return unimplemented(`service ${service}`);
    const handler = methods.get(method);
    if (handler === undefined) return unimplemented(`method ${method}`);
    return { handler };
  }
}

function unimplemented(message: string): Resolution {
  return { status: { code: Code.Unimplemented, message, details: [] } };
}
