// containerd's error classes: the code each one puts on the wire, the message containerd rebuilds, and the class
// read back from any status error as containerd's errgrpc.ToNative reads it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ErrdefsError,
  errdefsKind,
  errAlreadyExists,
  errCanceled,
  errConflict,
  errDeadlineExceeded,
  errNotFound,
  errNotImplemented,
  errUnauthenticated,
  isAlreadyExists,
  isCanceled,
  isConflict,
  isDeadlineExceeded,
  isFailedPrecondition,
  isNotFound,
  isNotModified,
  isUnknown,
  ERRDEFS,
} from '../../../src/errdefs/index.ts';
import { Code, toStatus, TtrpcError } from '../../../src/ttrpc/index.ts';

describe('errdefs helpers', () => {
  test('prefix the context to the class string, with the class code', () => {
    const err = errNotFound('container not created');
    assert.equal(err.message, 'container not created: not found');
    assert.equal(err.code, Code.NotFound);
    assert.ok(isNotFound(err));
  });

  test('without context the message is the class string', () => {
    assert.equal(errAlreadyExists().message, 'already exists');
    assert.equal(errUnauthenticated().message, 'unauthorized');
    assert.equal(errUnauthenticated().code, 16);
    assert.equal(errNotImplemented().code, Code.Unimplemented);
  });

  test('do not double a suffix that is already there', () => {
    assert.equal(errNotFound('container x: not found').message, 'container x: not found');
  });

  test('every class maps to its documented code', () => {
    const expected: Record<string, number> = {
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
      DeadlineExceeded: 4,
      Canceled: 1,
      Unknown: 2,
    };
    for (const [kind, code] of Object.entries(expected))
      assert.equal(ERRDEFS[kind as keyof typeof ERRDEFS].code, code, kind);
  });

  test('the server sends an errdefs error as its code and message, knowing nothing of the class', () => {
    const err = errNotFound('container abc');
    assert.ok(err instanceof TtrpcError);
    assert.deepEqual(toStatus(err), { code: 5, message: 'container abc: not found', details: [] });
    assert.equal(err.describe(), 'rpc error: code = NotFound desc = container abc: not found');
  });
});

describe('errdefsKind of a received status error', () => {
  test('reads the class from the code', () => {
    assert.equal(errdefsKind(new TtrpcError(5, 'container abc: not found')), 'NotFound');
    assert.ok(isNotFound(new TtrpcError(5, 'container abc: not found')));
    assert.ok(isAlreadyExists(new TtrpcError(6, 'x')));
  });

  test('splits code 9 into conflict, not modified and failed precondition by suffix', () => {
    assert.ok(isConflict(new TtrpcError(9, 'conflict')));
    assert.ok(isConflict(new TtrpcError(9, 'thing: conflict')));
    assert.ok(isNotModified(new TtrpcError(9, 'x: not modified')));
    assert.ok(isFailedPrecondition(new TtrpcError(9, 'cannot start a running process')));
    assert.ok(!isFailedPrecondition(new TtrpcError(9, 'conflict')));
  });

  test('maps unknown codes to Unknown', () => {
    assert.ok(isUnknown(new TtrpcError(42, 'odd')));
    assert.ok(isUnknown(new TtrpcError(2, 'boom')));
  });

  test('round-trips every helper through its status', () => {
    for (const err of [errNotFound('a'), errConflict('b'), errDeadlineExceeded(), errCanceled('c')]) {
      const status = toStatus(err);
      assert.equal(errdefsKind(new TtrpcError(status.code, status.message)), err.kind);
    }
  });

  test('an ErrdefsError keeps its own class', () => {
    assert.equal(errdefsKind(new ErrdefsError('Conflict', 'no suffix here')), 'Conflict');
  });
});

describe('errdefsKind of other values', () => {
  test('abort reasons are Canceled and DeadlineExceeded', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    assert.ok(isDeadlineExceeded(timeout));
    assert.ok(isCanceled(new DOMException('aborted', 'AbortError')));
  });

  test('predicates reject unrelated values', () => {
    assert.equal(errdefsKind(new Error('not found')), undefined);
    assert.ok(!isNotFound(new Error('not found')));
    assert.ok(!isAlreadyExists(undefined));
  });
});
