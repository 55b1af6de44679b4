import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RuncError,
  failurePrefix,
  isContainerNotExist,
  isProcessAlreadyFinished,
  runtimeReason,
} from '../../../src/runc/errors.ts';

describe('RuncError', () => {
  test('create/exec/start are OCI runtime failures, keeping the raw reason', () => {
    const err = new RuncError(
      'create',
      1,
      'runc create failed: exec: "x": executable file not found in $PATH',
    );
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'RuncError');
    assert.equal(
      err.message,
      'OCI runtime create failed: runc create failed: exec: "x": executable file not found in $PATH',
    );
    assert.equal(err.runtimeMessage, 'runc create failed: exec: "x": executable file not found in $PATH');
    assert.equal(err.command, 'create');
    assert.equal(err.exitCode, 1);
    assert.equal(new RuncError('exec', 1, 'm').message, 'OCI runtime exec failed: m');
    assert.equal(new RuncError('start', 1, 'm').message, 'OCI runtime start failed: m');
  });
  test('other commands are runc <cmd> failures', () => {
    assert.equal(
      new RuncError('kill', 1, 'container not running').message,
      'runc kill failed: container not running',
    );
    assert.equal(failurePrefix('delete'), 'runc delete failed');
    assert.equal(failurePrefix('ps'), 'runc ps failed');
    assert.equal(failurePrefix('pause'), 'OCI runtime pause failed');
  });
});

describe('runtimeReason', () => {
  test('log entry, then stderr, then how the runtime ended', () => {
    assert.equal(runtimeReason('from log', 'from stderr', 1), 'from log');
    assert.equal(runtimeReason(undefined, '  from stderr\n', 1), 'from stderr');
    assert.equal(runtimeReason(undefined, '  \n', 3), 'exit status 3');
    assert.equal(runtimeReason(undefined, '', -1, 'SIGKILL'), 'signal: SIGKILL');
  });
});

describe('classification (shim-protocol §5.4)', () => {
  test('process already finished', () => {
    assert.ok(isProcessAlreadyFinished(new RuncError('kill', 1, 'container not running')));
    assert.ok(isProcessAlreadyFinished(new RuncError('kill', 1, 'Container Not Running')));
    assert.ok(isProcessAlreadyFinished(new RuncError('kill', 1, 'kill: No such process')));
    assert.ok(isProcessAlreadyFinished(new Error('os: process already finished')));
    assert.ok(isProcessAlreadyFinished(Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' })));
    assert.ok(!isProcessAlreadyFinished(new RuncError('kill', 1, 'container does not exist')));
    assert.ok(!isProcessAlreadyFinished(new Error('permission denied')));
    assert.ok(!isProcessAlreadyFinished(undefined));
    assert.ok(!isProcessAlreadyFinished({ code: 42 }));
  });
  test('container does not exist', () => {
    assert.ok(isContainerNotExist(new RuncError('kill', 1, 'container does not exist')));
    assert.ok(isContainerNotExist(new RuncError('delete', 1, 'container "c1" DOES NOT EXIST')));
    assert.ok(isContainerNotExist('does not exist'));
    assert.ok(!isContainerNotExist(new RuncError('kill', 1, 'container not running')));
    assert.ok(!isContainerNotExist(null));
  });
});
