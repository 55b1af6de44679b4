import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Code,
  ErrdefsError,
  errAlreadyExists,
  errCanceled,
  errConflict,
  errDeadlineExceeded,
  errNotFound,
  errNotImplemented,
  errUnauthenticated,
  errUnmarshalPayload,
  decodePayload,
  fromStatus,
  isAlreadyExists,
  isConflict,
  isDeadlineExceeded,
  isCanceled,
  isFailedPrecondition,
  isNotFound,
  isNotModified,
  isUnknown,
  toStatus,
  TtrpcError,
  ERRDEFS,
} from '../../../src/ttrpc/index.ts';

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
});

describe('fromStatus', () => {
  test('rebuilds the class and keeps the message', () => {
    const err = fromStatus(5, 'container abc: not found');
    assert.ok(err instanceof ErrdefsError);
    assert.equal(err.kind, 'NotFound');
    assert.equal(err.message, 'container abc: not found');
    assert.equal(err.describe(), 'rpc error: code = NotFound desc = container abc: not found');
  });

  test('splits code 9 into conflict, not modified and failed precondition by suffix', () => {
    assert.ok(isConflict(fromStatus(9, 'conflict')));
    assert.ok(isConflict(fromStatus(9, 'thing: conflict')));
    assert.ok(isNotModified(fromStatus(9, 'x: not modified')));
    assert.ok(isFailedPrecondition(fromStatus(9, 'cannot start a running process')));
    assert.ok(!isFailedPrecondition(fromStatus(9, 'conflict')));
  });

  test('maps unknown codes to Unknown while keeping the received code', () => {
    const err = fromStatus(42, 'odd');
    assert.ok(isUnknown(err));
    assert.equal(err.code, 42);
    assert.ok(isUnknown(fromStatus(2, 'boom')));
  });

  test('round-trips every helper through its status', () => {
    for (const err of [errNotFound('a'), errConflict('b'), errDeadlineExceeded(), errCanceled('c')]) {
      const status = toStatus(err);
      const back = fromStatus(status.code, status.message);
      assert.equal(back.kind, err.kind);
      assert.equal(back.message, err.message);
    }
  });
});

describe('toStatus', () => {
  test('a plain Error is Unknown with its message', () => {
    assert.deepEqual(toStatus(new Error('boom')), { code: 2, message: 'boom', details: [] });
  });

  test('a non-Error value is Unknown with its string form', () => {
    assert.deepEqual(toStatus('nope'), { code: 2, message: 'nope', details: [] });
  });

  test('a status error keeps code, message and details', () => {
    const details = [{ typeUrl: 't', value: new Uint8Array([1]) }];
    assert.deepEqual(toStatus(new TtrpcError(7, 'denied', { details })), {
      code: 7,
      message: 'denied',
      details,
    });
  });

  test('a status error with code 0 still reports a failure', () => {
    assert.equal(toStatus(new TtrpcError(0, 'odd')).code, 2);
  });

  test('abort reasons map to Canceled and DeadlineExceeded', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    assert.deepEqual(toStatus(timeout), { code: 4, message: 'context deadline exceeded', details: [] });
    assert.deepEqual(toStatus(new DOMException('aborted', 'AbortError')), {
      code: 1,
      message: 'context canceled',
      details: [],
    });
    assert.ok(isDeadlineExceeded(timeout));
    assert.ok(isCanceled(new DOMException('aborted', 'AbortError')));
  });

  test('errno errors map like Go os.IsNotExist / IsExist / IsPermission', () => {
    const errno = (code: string): Error => Object.assign(new Error(`${code}: x`), { code });
    assert.equal(toStatus(errno('ENOENT')).code, 5);
    assert.equal(toStatus(errno('EEXIST')).code, 6);
    assert.equal(toStatus(errno('EACCES')).code, 7);
    assert.equal(toStatus(errno('EIO')).code, 2);
  });

  test('a payload that cannot be decoded becomes status 13 with Go wording', () => {
    assert.throws(
      () =>
        decodePayload(
          () => {
            throw new Error('index out of range');
          },
          new Uint8Array([0xff]),
        ),
      (err: unknown) => {
        const status = toStatus(err);
        return (
          status.code === 13 && status.message === 'ttrpc: error unmarshalling payload: index out of range'
        );
      },
    );
    assert.equal(toStatus(errUnmarshalPayload('bad')).message, 'ttrpc: error unmarshalling payload: bad');
  });

  test('predicates reject unrelated values', () => {
    assert.ok(!isNotFound(new Error('not found')));
    assert.ok(!isAlreadyExists(undefined));
  });
});
