// A status error: what a ttrpc call fails with when the peer answered with a non-OK google.rpc.Status.
import { codeName } from './codes.ts';
import type { AnyMessage, RpcStatus } from './envelope.ts';

export class TtrpcError extends Error {
  override name = 'TtrpcError';
  readonly code: number;
  readonly details: AnyMessage[];

  constructor(code: number, message: string, options: { details?: AnyMessage[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? [];
  }

  /** Go prints status errors this way; handy in logs that are compared with Go's. */
  describe(): string {
    return `rpc error: code = ${codeName(this.code)} desc = ${this.message}`;
  }

  toStatus(): RpcStatus {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** A lost connection, worded as Go's ttrpc.ErrClosed. Not a status: Go never sends it on the wire. */
export class TtrpcClosedError extends Error {
  override name = 'TtrpcClosedError';
  constructor(options: { cause?: unknown } = {}) {
    super('ttrpc: closed', options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** A frame that makes no sense for the call it names, worded as Go's ErrProtocol wrapping. */
export class TtrpcProtocolError extends Error {
  override name = 'TtrpcProtocolError';
}

export function isClosed(err: unknown): err is TtrpcClosedError {
  return err instanceof TtrpcClosedError;
}
