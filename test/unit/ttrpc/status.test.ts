// What the server sends for whatever a handler throws, and the errors the wire layer makes itself. Only codes
// and messages: containerd's classes on top of them are tested in test/unit/errdefs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Code,
  contextCanceled,
  contextDeadlineExceeded,
  decodePayload,
  toStatus,
  TtrpcError,
} from '../../../src/ttrpc/index.ts';

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

  test('abort reasons map to Canceled and DeadlineExceeded with Go context texts', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    assert.deepEqual(toStatus(timeout), { code: 4, message: 'context deadline exceeded', details: [] });
    assert.deepEqual(toStatus(new DOMException('aborted', 'AbortError')), {
      code: 1,
      message: 'context canceled',
      details: [],
    });
  });

  test('errno errors map like Go os.IsNotExist / IsExist / IsPermission', () => {
    const errno = (code: string): Error => Object.assign(new Error(`${code}: x`), { code });
    assert.deepEqual(toStatus(errno('ENOENT')), { code: 5, message: 'ENOENT: x', details: [] });
    assert.equal(toStatus(errno('EEXIST')).code, 6);
    assert.equal(toStatus(errno('ENOTEMPTY')).code, 6);
    assert.equal(toStatus(errno('EACCES')).code, 7);
    assert.equal(toStatus(errno('EPERM')).code, 7);
    assert.equal(toStatus(errno('EIO')).code, 2);
  });
});

describe('the wire layer own errors', () => {
  test('a passed deadline is status 4 with Go context text, after the context given', () => {
    assert.deepEqual(toStatus(contextDeadlineExceeded()), {
      code: Code.DeadlineExceeded,
      message: 'context deadline exceeded',
      details: [],
    });
    assert.equal(contextDeadlineExceeded('ttrpc: a/B').message, 'ttrpc: a/B: context deadline exceeded');
  });

  test('a cancelled call is status 1 with Go context text, after the context given', () => {
    assert.deepEqual(toStatus(contextCanceled()), {
      code: Code.Canceled,
      message: 'context canceled',
      details: [],
    });
    assert.equal(
      contextCanceled('ttrpc: connection closed').message,
      'ttrpc: connection closed: context canceled',
    );
  });

  test('a payload that cannot be decoded becomes status 13 with Go wording', () => {
    const cause = new Error('index out of range');
    assert.throws(
      () =>
        decodePayload(
          () => {
            throw cause;
          },
          new Uint8Array([0xff]),
        ),
      (err: unknown) => {
        assert.ok(err instanceof TtrpcError);
        assert.equal(err.cause, cause);
        assert.deepEqual(toStatus(err), {
          code: 13,
          message: 'ttrpc: error unmarshalling payload: index out of range',
          details: [],
        });
        return true;
      },
    );
    assert.throws(
      () =>
        decodePayload(() => {
          throw 'bad';
        }, new Uint8Array(0)),
      { code: 13, message: 'ttrpc: error unmarshalling payload: bad' },
    );
    assert.equal(
      decodePayload((bytes) => bytes.length, new Uint8Array(3)),
      3,
    );
  });
});
