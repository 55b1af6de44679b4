import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLoggedError, logSize, readLogSince } from '../../../src/runc/log.ts';

describe('lastLoggedError', () => {
  test('last error entry wins, other levels ignored', () => {
    const text = [
      '{"level":"error","msg":"first","time":"t"}',
      '{"level":"warning","msg":"a warning","time":"t"}',
      '{"level":"error","msg":"runc create failed: unable to start container process: exec: \\"nosuchbinary\\": executable file not found in $PATH","time":"t"}',
      '{"level":"info","msg":"later info","time":"t"}',
    ].join('\n');
    assert.equal(
      lastLoggedError(text),
      'runc create failed: unable to start container process: exec: "nosuchbinary": executable file not found in $PATH',
    );
  });
  test('crun key order and a missing trailing newline', () => {
    assert.equal(
      lastLoggedError('{"msg":"cannot open directory","level":"error","time":"x"}'),
      'cannot open directory',
    );
  });
  test('malformed and foreign lines are skipped, not fatal', () => {
    const text = [
      '{"level":"error","msg":"the real one"}',
      '{"level":"error","msg":"torn li',
      'plain stderr noise',
      '[1,2,3]',
      '{"level":"error","msg":42}',
      '',
    ].join('\n');
    assert.equal(lastLoggedError(text), 'the real one');
  });
  test('fatal counts as error; surrounding whitespace trimmed; empty msg ignored', () => {
    assert.equal(
      lastLoggedError('{"level":"fatal","msg":"  boom \\n"}\n{"level":"error","msg":"  "}'),
      'boom',
    );
  });
  test('no error entry gives undefined', () => {
    assert.equal(lastLoggedError(''), undefined);
    assert.equal(lastLoggedError('{"level":"debug","msg":"x"}\n'), undefined);
  });
  test('logrus text format', () => {
    const text =
      'time="2024-01-01T00:00:00Z" level=warning msg="w"\n' +
      'time="2024-01-01T00:00:00Z" level=error msg="container \\"c1\\" does not exist"\n';
    assert.equal(lastLoggedError(text), 'container "c1" does not exist');
    assert.equal(lastLoggedError('level=error msg=unquoted'), 'unquoted');
  });
});

describe('reading only what one invocation appended', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runc-log-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('missing file: size 0 and nothing to read', async () => {
    const path = join(dir, 'missing.json');
    assert.equal(await logSize(path), 0);
    assert.equal(await readLogSince(path, 0), '');
  });

  test('an earlier error is not reported for a later failure', async () => {
    const path = join(dir, 'log.json');
    writeFileSync(path, '{"level":"error","msg":"old failure"}\n');
    const offset = await logSize(path);
    appendFileSync(path, '{"level":"info","msg":"nothing wrong"}\n');
    const appended = await readLogSince(path, offset);
    assert.equal(appended, '{"level":"info","msg":"nothing wrong"}\n');
    assert.equal(lastLoggedError(appended), undefined);
    appendFileSync(path, '{"level":"error","msg":"new failure"}\n');
    assert.equal(lastLoggedError(await readLogSince(path, offset)), 'new failure');
  });

  test('a log that shrank is read from the start', async () => {
    const path = join(dir, 'rotated.json');
    writeFileSync(path, '{"level":"error","msg":"after rotation"}\n');
    assert.equal(lastLoggedError(await readLogSince(path, 10_000)), 'after rotation');
  });
});
