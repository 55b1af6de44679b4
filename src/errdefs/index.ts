// containerd's errdefs classes and their mapping to and from status codes (reference §10). The shim throws them
// so that its errors cross the ttrpc boundary in the form containerd's errgrpc.ToNative understands; the wire
// itself sends only the code and message of a TtrpcError, and errdefsKind reads the class back from those.
import { Code, TtrpcError } from '../ttrpc/index.ts';

export type ErrdefsKind =
  | 'Unknown'
  | 'Canceled'
  | 'DeadlineExceeded'
  | 'InvalidArgument'
  | 'NotFound'
  | 'AlreadyExists'
  | 'PermissionDenied'
  | 'ResourceExhausted'
  | 'FailedPrecondition'
  | 'Conflict'
  | 'NotModified'
  | 'Aborted'
  | 'OutOfRange'
  | 'NotImplemented'
  | 'Internal'
  | 'Unavailable'
  | 'DataLoss'
  | 'Unauthenticated';

/** Each class's status code and its Go `Error()` string, the suffix containerd strips and re-adds. */
const ERRDEFS: Readonly<Record<ErrdefsKind, { code: number; text: string }>> = {
  Unknown: { code: Code.Unknown, text: 'unknown' },
  Canceled: { code: Code.Canceled, text: 'context canceled' },
  DeadlineExceeded: { code: Code.DeadlineExceeded, text: 'context deadline exceeded' },
  InvalidArgument: { code: Code.InvalidArgument, text: 'invalid argument' },
  NotFound: { code: Code.NotFound, text: 'not found' },
  AlreadyExists: { code: Code.AlreadyExists, text: 'already exists' },
  PermissionDenied: { code: Code.PermissionDenied, text: 'permission denied' },
  ResourceExhausted: { code: Code.ResourceExhausted, text: 'resource exhausted' },
  FailedPrecondition: { code: Code.FailedPrecondition, text: 'failed precondition' },
  Conflict: { code: Code.FailedPrecondition, text: 'conflict' },
  NotModified: { code: Code.FailedPrecondition, text: 'not modified' },
  Aborted: { code: Code.Aborted, text: 'aborted' },
  OutOfRange: { code: Code.OutOfRange, text: 'out of range' },
  NotImplemented: { code: Code.Unimplemented, text: 'not implemented' },
  Internal: { code: Code.Internal, text: 'internal' },
  Unavailable: { code: Code.Unavailable, text: 'unavailable' },
  DataLoss: { code: Code.DataLoss, text: 'data loss' },
  Unauthenticated: { code: Code.Unauthenticated, text: 'unauthorized' },
};

const KIND_BY_CODE = new Map<number, ErrdefsKind>([
  [Code.Canceled, 'Canceled'],
  [Code.DeadlineExceeded, 'DeadlineExceeded'],
  [Code.InvalidArgument, 'InvalidArgument'],
  [Code.NotFound, 'NotFound'],
  [Code.AlreadyExists, 'AlreadyExists'],
  [Code.PermissionDenied, 'PermissionDenied'],
  [Code.ResourceExhausted, 'ResourceExhausted'],
  [Code.FailedPrecondition, 'FailedPrecondition'],
  [Code.Aborted, 'Aborted'],
  [Code.OutOfRange, 'OutOfRange'],
  [Code.Unimplemented, 'NotImplemented'],
  [Code.Internal, 'Internal'],
  [Code.Unavailable, 'Unavailable'],
  [Code.DataLoss, 'DataLoss'],
  [Code.Unauthenticated, 'Unauthenticated'],
]);

/** An error of one errdefs class. It is a TtrpcError with the class's code, so the ttrpc server sends that code
 *  and the message unchanged, knowing nothing of the class. */
export class ErrdefsError extends TtrpcError {
  override name = 'ErrdefsError';
  readonly kind: ErrdefsKind;

  constructor(kind: ErrdefsKind, message: string, options: { cause?: unknown } = {}) {
    super(ERRDEFS[kind].code, message, options);
    this.kind = kind;
  }
}

/** `<context>: <class string>` (or just the class string), which every containerd version rebuilds intact. */
function errdefsMessage(kind: ErrdefsKind, context?: string): string {
  const text = ERRDEFS[kind].text;
  if (context === undefined || context === '' || context === text || context.endsWith(`: ${text}`)) {
    return context ? context : text;
  }
  return `${context}: ${text}`;
}

function maker(kind: ErrdefsKind) {
  return (context?: string, options: { cause?: unknown } = {}): ErrdefsError =>
    new ErrdefsError(kind, errdefsMessage(kind, context), options);
}

// The classes the shim fails with, as runc-v2 does. The rest of containerd's vocabulary stays in ErrdefsKind, so
// that errdefsKind names every class a received status can carry.
export const errInvalidArgument = maker('InvalidArgument');
export const errNotFound = maker('NotFound');
export const errAlreadyExists = maker('AlreadyExists');
export const errFailedPrecondition = maker('FailedPrecondition');

/** The class containerd's errgrpc.ToNative picks for a received status. */
function kindFromStatus(code: number, message: string): ErrdefsKind {
  if (code === Code.FailedPrecondition) {
    if (hasClassSuffix(message, 'conflict')) return 'Conflict';
    if (hasClassSuffix(message, 'not modified')) return 'NotModified';
  }
  return KIND_BY_CODE.get(code) ?? 'Unknown';
}

function hasClassSuffix(message: string, text: string): boolean {
  return message === text || message.endsWith(`: ${text}`);
}

/** The errdefs class of any value: an ErrdefsError, any status error (read from its code, as containerd reads a
 *  received status), an AbortSignal reason, or nothing. */
export function errdefsKind(err: unknown): ErrdefsKind | undefined {
  if (err instanceof ErrdefsError) return err.kind;
  if (err instanceof TtrpcError) return kindFromStatus(err.code, err.message);
  if (err instanceof Error && err.name === 'TimeoutError') return 'DeadlineExceeded';
  if (err instanceof Error && err.name === 'AbortError') return 'Canceled';
  return undefined;
}
