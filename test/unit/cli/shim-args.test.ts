// `tsshim shim` argument parsing and how it finds the shim's socket.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseShimArgs, parseSignal, UsageError } from '../../../src/cli/shim/args.ts';
import { shimSocket } from '../../../src/cli/shim/client.ts';

describe('parseShimArgs', () => {
  test('target flags, defaults, and command flags', () => {
    assert.deepEqual(parseShimArgs(['--id', 'c1', 'state']), {
      target: { id: 'c1', namespace: 'default', containerdAddress: '/run/containerd/containerd.sock' },
      format: 'table',
      command: { name: 'state', execId: '' },
    });
    const kill = parseShimArgs([
      '--id=c1',
      '-n',
      'k8s.io',
      'kill',
      '--signal',
      'KILL',
      '--all',
      '--exec',
      'e1',
    ]);
    assert.equal(kill.target.namespace, 'k8s.io');
    assert.deepEqual(kill.command, { name: 'kill', signal: 9, all: true, execId: 'e1' });
    assert.equal(parseShimArgs(['--id', 'c1', 'pids', '--format', 'json']).format, 'json');
  });

  test('exec takes everything after -- as the command, flags included', () => {
    const args = parseShimArgs([
      '--id',
      'c1',
      'exec',
      '--exec-id',
      'e1',
      '-t',
      '--',
      'sh',
      '-c',
      'echo --id',
    ]);
    assert.deepEqual(args.command, {
      name: 'exec',
      execId: 'e1',
      tty: true,
      command: ['sh', '-c', 'echo --id'],
    });
  });

  test('refuses what cannot work', () => {
    const bad: string[][] = [
      ['state'],
      ['--address', 'unix:///x', 'state'],
      ['--id', 'c1'],
      ['--id', 'c1', 'nope'],
      ['--id', 'c1', 'exec', '--', 'true'],
      ['--id', 'c1', 'exec', '--exec-id', 'e'],
      ['--id', 'c1', '--format', 'yaml', 'state'],
      ['--id', 'c1', 'state', 'extra'],
      ['--id', 'c1', '--bogus', 'state'],
      ['--id'],
    ];
    for (const argv of bad) assert.throws(() => parseShimArgs(argv), UsageError, argv.join(' '));
    assert.equal(parseShimArgs(['--address', 'unix:///x', 'dump']).command.name, 'dump');
    assert.equal(parseShimArgs(['--address', 'unix:///x', 'shutdown']).command.name, 'shutdown');
  });

  test('signals by number or name', () => {
    assert.equal(parseSignal('15'), 15);
    assert.equal(parseSignal('SIGTERM'), 15);
    assert.equal(parseSignal('hup'), 1);
    assert.throws(() => parseSignal('SIGNOPE'), UsageError);
  });
});

describe('shimSocket', () => {
  test('computed from containerd address, namespace and id as the shim does', () => {
    const hash = createHash('sha256').update('/run/containerd/containerd.sock/k8s.io/abc').digest('hex');
    assert.equal(
      shimSocket({ id: 'abc', namespace: 'k8s.io', containerdAddress: '/run/containerd/containerd.sock' }),
      `/run/containerd/s/${hash}`,
    );
  });

  test('--address wins, with or without unix://', () => {
    const t = { id: 'abc', namespace: 'default', containerdAddress: '/c.sock' };
    assert.equal(shimSocket({ ...t, address: 'unix:///tmp/s.sock' }), '/tmp/s.sock');
    assert.equal(shimSocket({ ...t, address: '/tmp/s.sock' }), '/tmp/s.sock');
  });
});
