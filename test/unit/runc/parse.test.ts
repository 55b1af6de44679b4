import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePids, parseState, readPidFile } from '../../../src/runc/parse.ts';

describe('parseState', () => {
  test('runc state output', () => {
    const s = parseState(
      JSON.stringify({
        ociVersion: '1.0.2-dev',
        id: 't1',
        pid: 6006,
        status: 'running',
        bundle: '/b',
        rootfs: '/b/rootfs',
        created: '2024-01-01T00:00:00Z',
        owner: '',
        annotations: { a: 'b', n: 1 },
      }),
    );
    assert.deepEqual(s, {
      ociVersion: '1.0.2-dev',
      id: 't1',
      pid: 6006,
      status: 'running',
      bundle: '/b',
      rootfs: '/b/rootfs',
      created: '2024-01-01T00:00:00Z',
      owner: '',
      annotations: { a: 'b' },
    });
  });
  test('rejects what is not a state', () => {
    assert.throws(() => parseState('[]'), /not a JSON object/);
    assert.throws(
      () => parseState('{"ociVersion":"1","id":"x","status":"running","bundle":"/b","pid":"1"}'),
      /pid/,
    );
    assert.throws(() => parseState('{"ociVersion":"1","id":"x","pid":1,"bundle":"/b"}'), /status/);
  });
});

describe('parsePids', () => {
  test('array, empty and null', () => {
    assert.deepEqual(parsePids('[12,34]\n'), [12, 34]);
    assert.deepEqual(parsePids('[]'), []);
    assert.deepEqual(parsePids('null\n'), []);
    assert.deepEqual(parsePids(''), []);
  });
  test('rejects non-pid content', () => {
    assert.throws(() => parsePids('["1"]'), /array of pids/);
    assert.throws(() => parsePids('{"pid":1}'), /array of pids/);
  });
});

describe('readPidFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runc-pid-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  test('reads a pid with or without newline, rejects garbage', async () => {
    writeFileSync(join(dir, 'a'), '4242');
    writeFileSync(join(dir, 'b'), '17\n');
    writeFileSync(join(dir, 'c'), 'abc');
    writeFileSync(join(dir, 'd'), '');
    assert.equal(await readPidFile(join(dir, 'a')), 4242);
    assert.equal(await readPidFile(join(dir, 'b')), 17);
    await assert.rejects(readPidFile(join(dir, 'c')), /invalid pid file/);
    await assert.rejects(readPidFile(join(dir, 'd')), /invalid pid file/);
    await assert.rejects(readPidFile(join(dir, 'missing')), { code: 'ENOENT' });
  });
});
