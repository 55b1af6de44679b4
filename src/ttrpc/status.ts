// A status error: what a ttrpc call fails with when the peer answered with a non-OK google.rpc.Status, and what
// the server sends for whatever a handler throws. The wire knows only codes and messages; containerd's error
// classes (src/errdefs) are built on top of TtrpcError and read back from its code.
import { Code, codeName } from './codes.ts';
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
}

// Go's context.Canceled and context.DeadlineExceeded texts: Go's ttrpc sends them as the message of codes 1 and
// 4, and containerd's errgrpc reads them back as its Canceled and DeadlineExceeded classes.
const CANCELED_TEXT = 'context canceled';
const DEADLINE_TEXT = 'context deadline exceeded';

function withContext(context: string | undefined, text: string): string {
  return context ? `${context}: ${text}` : text;
}

/** Why a call's signal aborts when its connection goes or its handler returns: status 1 on the wire. */
export function contextCanceled(context?: string): TtrpcError {
  return new TtrpcError(Code.Canceled, withContext(context, CANCELED_TEXT));
}

/** Why a call stops when its timeout passes, on either side: status 4 on the wire. */
export function contextDeadlineExceeded(context?: string): TtrpcError {
  return new TtrpcError(Code.DeadlineExceeded, withContext(context, DEADLINE_TEXT));
}

// Node errno codes that Go's ttrpc convertCode recognises through os.IsNotExist / IsExist / IsPermission.
const ERRNO_CODES: Readonly<Record<string, number>> = {
  ENOENT: Code.NotFound,
  EEXIST: Code.AlreadyExists,
  ENOTEMPTY: Code.AlreadyExists,
  EACCES: Code.PermissionDenied,
  EPERM: Code.PermissionDenied,
};

/** The status the server sends for anything a handler throws. */
export function toStatus(err: unknown): RpcStatus {
  if (err instanceof TtrpcError) {
    return {
      code: err.code === Code.OK ? Code.Unknown : err.code,
      message: err.message,
      details: err.details,
    };
  }
  if (err instanceof Error) {
    // AbortSignal.timeout() and a bare abort() reasons, which a handler may pass on as they are.
    if (err.name === 'TimeoutError')
      return { code: Code.DeadlineExceeded, message: DEADLINE_TEXT, details: [] };
    if (err.name === 'AbortError') return { code: Code.Canceled, message: CANCELED_TEXT, details: [] };
    const errno = 'code' in err && typeof err.code === 'string' ? ERRNO_CODES[err.code] : undefined;
    return { code: errno ?? Code.Unknown, message: err.message, details: [] };
  }
  return { code: Code.Unknown, message: String(err), details: [] };
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
