// What a spare takes as a start client's request: a complete one of this version, or nothing (a stray or hostile
// peer gets no answer and the spare keeps waiting); and how it answers flags the Node start would refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeStartRequest, isStartRequest, startFlags } from '../../../../src/shim/spare/start-request.ts';

const fields = (...f: string[]): Buffer => Buffer.from(f.map((x) => `${x}\0`).join(''));

test('a well-formed request: cwd, parent, arguments, environment (values may hold "=")', () => {
  const msg = fields(
    'tsshim-start 1',
    '/run/bundle',
    '42',
    '2',
    '-id',
    'start',
    'A=1',
    'B=x=y',
    'noequals',
    '=v',
  );
  assert.ok(isStartRequest(msg));
  assert.deepEqual(decodeStartRequest(msg), {
    cwd: '/run/bundle',
    parentPid: 42,
    argv: ['-id', 'start'],
    env: { A: '1', B: 'x=y' },
  });
});

test('anything else is refused', () => {
  const bad = [
    fields('tsshim-start 2', '/b', '1', '0'), // another version
    fields('tsshim-start 1', 'relative', '1', '0'),
    fields('tsshim-start 1', '/b', 'x', '0'),
    fields('tsshim-start 1', '/b', '1', '-1'),
    fields('tsshim-start 1', '/b', '1', '3', 'only-one'),
    Buffer.from(['tsshim-start 1', '/b', '1', '0'].join('\0')), // not NUL-terminated
    Buffer.from('{"version":1}'),
  ];
  for (const msg of bad) assert.equal(decodeStartRequest(msg), undefined, JSON.stringify(msg.toString()));
  assert.equal(isStartRequest(Buffer.from('{"version":1}')), false);
  assert.equal(isStartRequest(Buffer.from('tsshim-start 1')), false);
});

test('flags: a start gets its flags; bad flags or another action get the Node start’s answer', () => {
  const flags = startFlags(['-namespace', 'ns', '-id', 'c', '-address', '/a.sock', 'start']);
  assert.ok(!('code' in flags));
  assert.equal(flags.id, 'c');
  const unknown = startFlags(['-bogus', 'start']);
  assert.ok('code' in unknown);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, 'flag provided but not defined: -bogus\n');
  const other = startFlags(['-namespace', 'ns', 'delete']);
  assert.ok('code' in other);
  assert.equal(other.code, 1);
});
