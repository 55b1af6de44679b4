// containerd's error classes: the code each one puts on the wire, the message containerd rebuilds, and the class
// read back from any status error as containerd's errgrpc.ToNative reads it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ErrdefsError,
  errdefsKind,
  errAlreadyExists,
  errFailedPrecondition,
  errInvalidArgument,
  errNotFound,
  type ErrdefsKind,
} from '../../../src/errdefs/index.ts';
import {
  Code,
  contextCanceled,
  contextDeadlineExceeded,
  toStatus,
  TtrpcError,
} from '../../../src/ttrpc/index.ts';

describe('the makers the shim uses', () => {
  test('prefix the context to the class string, with the class code', () => {
    const err = errNotFound('container not created');
    assert.equal(err.message, 'container not created: not found');
    assert.equal(err.code, Code.NotFound);
    assert.equal(err.kind, 'NotFound');
    assert.equal(errInvalidArgument('id').code, Code.InvalidArgument);
    assert.equal(errFailedPrecondition('x').message, 'x: failed precondition');
  });

  test('without context the message is the class string', () => {
    assert.equal(errAlreadyExists().message, 'already exists');
    assert.equal(errAlreadyExists().code, Code.AlreadyExists);
    assert.equal(errNotFound('').message, 'not found');
  });

  test('do not double a suffix that is already there', () => {
    assert.equal(errNotFound('container x: not found').message, 'container x: not found');
    assert.equal(errNotFound('not found').message, 'not found');
  });

  test('keep the cause', () => {
    const cause = new Error('ENOENT');
    assert.equal(errNotFound('x', { cause }).cause, cause);
  });
});

describe('ErrdefsError', () => {
  test('every class carries its documented code', () => {
    const expected: Record<ErrdefsKind, number> = {
      Unknown: 2,
      Canceled: 1,
      DeadlineExceeded: 4,
      InvalidArgument: 3,
      NotFound: 5,
      AlreadyExists: 6,
      PermissionDenied: 7,
      ResourceExhausted: 8,
      FailedPrecondition: 9,
      Conflict: 9,
      NotModified: 9,
      Aborted: 10,
      OutOfRange: 11,
      NotImplemented: 12,
      Internal: 13,
      Unavailable: 14,
      DataLoss: 15,
      Unauthenticated: 16,
    };
    for (const [kind, code] of Object.entries(expected) as [ErrdefsKind, number][])
      assert.equal(new ErrdefsError(kind, 'm').code, code, kind);
  });

  test('the server sends it as its code and message, knowing nothing of the class', () => {
    const err = errNotFound('container abc');
    assert.ok(err instanceof TtrpcError);
    assert.deepEqual(toStatus(err), { code: 5, message: 'container abc: not found', details: [] });
    assert.equal(err.describe(), 'rpc error: code = NotFound desc = container abc: not found');
  });

  test('keeps its own class, whatever its message says', () => {
    assert.equal(errdefsKind(new ErrdefsError('Conflict', 'no suffix here')), 'Conflict');
  });
});

describe('errdefsKind of a received status error', () => {
  test('reads the class from the code', () => {
    const cases: [number, ErrdefsKind][] = [
      [1, 'Canceled'],
      [3, 'InvalidArgument'],
      [4, 'DeadlineExceeded'],
      [5, 'NotFound'],
      [6, 'AlreadyExists'],
      [7, 'PermissionDenied'],
      [8, 'ResourceExhausted'],
      [10, 'Aborted'],
      [11, 'OutOfRange'],
      [12, 'NotImplemented'],
      [13, 'Internal'],
      [14, 'Unavailable'],
      [15, 'DataLoss'],
      [16, 'Unauthenticated'],
    ];
    for (const [code, kind] of cases)
      assert.equal(errdefsKind(new TtrpcError(code, 'x')), kind, `code ${code}`);
  });

  test('splits code 9 into conflict, not modified and failed precondition by suffix', () => {
    assert.equal(errdefsKind(new TtrpcError(9, 'conflict')), 'Conflict');
    assert.equal(errdefsKind(new TtrpcError(9, 'thing: conflict')), 'Conflict');
    assert.equal(errdefsKind(new TtrpcError(9, 'x: not modified')), 'NotModified');
    assert.equal(errdefsKind(new TtrpcError(9, 'cannot start a running process')), 'FailedPrecondition');
    assert.equal(errdefsKind(new TtrpcError(9, 'a conflicting thing')), 'FailedPrecondition');
  });

  test('reads Unknown for code 2, code 0 and codes outside the table', () => {
    assert.equal(errdefsKind(new TtrpcError(2, 'boom')), 'Unknown');
    assert.equal(errdefsKind(new TtrpcError(0, 'odd')), 'Unknown');
    assert.equal(errdefsKind(new TtrpcError(42, 'odd')), 'Unknown');
  });

  test('reads back every class through its status', () => {
    const sent = [
      errNotFound('a'),
      errAlreadyExists('b'),
      errInvalidArgument('c'),
      errFailedPrecondition('d'),
      new ErrdefsError('Conflict', 'e: conflict'),
      new ErrdefsError('NotModified', 'f: not modified'),
    ];
    for (const err of sent) {
      const status = toStatus(err);
      assert.equal(errdefsKind(new TtrpcError(status.code, status.message)), err.kind, err.message);
    }
  });
});

describe('errdefsKind of other values', () => {
  test('the wire layer own timeouts and cancellations', () => {
    assert.equal(errdefsKind(contextDeadlineExceeded('ttrpc: a/B')), 'DeadlineExceeded');
    assert.equal(errdefsKind(contextCanceled('ttrpc: connection closed')), 'Canceled');
  });

  test('AbortSignal reasons', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    assert.equal(errdefsKind(timeout), 'DeadlineExceeded');
    assert.equal(errdefsKind(new DOMException('aborted', 'AbortError')), 'Canceled');
  });

  test('nothing for values that are no status error', () => {
    assert.equal(errdefsKind(new Error('not found')), undefined);
    assert.equal(errdefsKind(Object.assign(new Error('x'), { code: 5 })), undefined);
    assert.equal(errdefsKind(undefined), undefined);
    assert.equal(errdefsKind('not found'), undefined);
  });
});
