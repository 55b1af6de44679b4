import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { binaryArgs, parseOutputTarget, uriScheme } from '../../../src/shim/io/file-uri.ts';

function pairs(args: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) m.set(args[i] as string, args[i + 1] as string);
  return m;
}

describe('stdio URI parsing', () => {
  test('all three streams empty is null IO', () => {
    assert.deepEqual(parseOutputTarget('', '', ''), { kind: 'null' });
  });

  test('a plain path (no scheme) is fifo IO, even with a colon later in the path', () => {
    assert.deepEqual(parseOutputTarget('', '/run/containerd/fifo/1/c-stdout', '/x/c-stderr'), {
      kind: 'fifo',
    });
    assert.deepEqual(parseOutputTarget('/a/stdin', '/tmp/a:b', ''), { kind: 'fifo' });
    assert.equal(uriScheme('/tmp/a:b'), '');
  });

  test('only stdin set still sets up fifo IO', () => {
    assert.deepEqual(parseOutputTarget('/a/stdin', '', ''), { kind: 'fifo' });
  });

  test('file:// gives the decoded path', () => {
    assert.deepEqual(parseOutputTarget('', 'file:///var/log/my%20ctr.log', ''), {
      kind: 'file',
      path: '/var/log/my ctr.log',
    });
  });

  test('binary:// gives the path and key/value args; only the first value of a repeated key', () => {
    const t = parseOutputTarget('', 'binary:///usr/bin/logger?id=abc&mode=fast&id=ignored', '');
    assert.equal(t.kind, 'binary');
    if (t.kind !== 'binary') return;
    assert.equal(t.path, '/usr/bin/logger');
    assert.equal(t.requireReadyByte, false);
    assert.equal(t.args.length, 4);
    assert.deepEqual(
      pairs(t.args),
      new Map([
        ['id', 'abc'],
        ['mode', 'fast'],
      ]),
    );
  });

  test('binary args are pairs whatever order the keys come in', () => {
    const a = pairs(binaryArgs(new URLSearchParams('b=2&a=1')));
    const b = pairs(binaryArgs(new URLSearchParams('a=1&b=2')));
    assert.deepEqual(a, b);
  });

  test('a key without a value is passed with an empty value; + and %xx are decoded', () => {
    assert.deepEqual(binaryArgs(new URLSearchParams('flag&msg=a+b%2Fc')), ['flag', '', 'msg', 'a b/c']);
  });

  test('binary-v2:// requires the ready byte', () => {
    const t = parseOutputTarget('', 'binary-v2:///opt/log', '');
    assert.deepEqual(t, { kind: 'binary', path: '/opt/log', args: [], requireReadyByte: true });
  });

  test('the scheme is case-insensitive', () => {
    assert.equal(parseOutputTarget('', 'BINARY:///opt/log', '').kind, 'binary');
  });

  test("an unknown scheme is refused with containerd's message", () => {
    assert.throws(() => parseOutputTarget('', 'fifo:///tmp/x', ''), { message: 'unknown STDIO scheme fifo' });
    assert.throws(() => parseOutputTarget('', 'http://h/x', ''), { message: 'unknown STDIO scheme http' });
  });
});
