import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonArgs, FlagError, parseFlags } from '../../../src/shim/flags.ts';

test('parses the argv containerd 1.6 passes to start', () => {
  const f = parseFlags([
    '-namespace',
    'default',
    '-address',
    '/run/containerd/containerd.sock',
    '-publish-binary',
    '/usr/bin/containerd',
    '-id',
    'c1',
    '-debug',
    'start',
  ]);
  assert.equal(f.namespace, 'default');
  assert.equal(f.address, '/run/containerd/containerd.sock');
  assert.equal(f.publishBinary, '/usr/bin/containerd');
  assert.equal(f.id, 'c1');
  assert.equal(f.debug, true);
  assert.equal(f.action, 'start');
});

test('accepts -flag=value, --flag value and booleans with values as Go flag does', () => {
  const f = parseFlags(['--namespace=k8s.io', '--id', 'x', '-debug=false', '-bundle=/b', 'delete']);
  assert.equal(f.namespace, 'k8s.io');
  assert.equal(f.id, 'x');
  assert.equal(f.debug, false);
  assert.equal(f.bundle, '/b');
  assert.equal(f.action, 'delete');
});

test('-v, -version and -info are actions without an action word', () => {
  assert.equal(parseFlags(['-v']).version, true);
  assert.equal(parseFlags(['-version']).version, true);
  assert.equal(parseFlags(['-info']).info, true);
  assert.equal(parseFlags(['-namespace', 'n']).action, '');
});

test('unknown flags and missing values fail the way Go flag reports them', () => {
  assert.throws(
    () => parseFlags(['-nope']),
    (e: unknown) => e instanceof FlagError && /-nope/.test((e as Error).message),
  );
  assert.throws(() => parseFlags(['-id']), /flag needs an argument: -id/);
  assert.throws(() => parseFlags(['-debug=maybe']), /invalid boolean value/);
});

test('the daemon gets namespace, id, address and -debug but not -publish-binary', () => {
  const f = parseFlags([
    '-namespace',
    'ns',
    '-id',
    'c',
    '-address',
    '/a',
    '-publish-binary',
    'x',
    '-debug',
    'start',
  ]);
  assert.deepEqual(daemonArgs(f), ['-namespace', 'ns', '-id', 'c', '-address', '/a', '-debug']);
});
