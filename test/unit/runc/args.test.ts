import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkpointArgs,
  createArgs,
  deleteArgs,
  execArgs,
  featuresArgs,
  globalArgs,
  killArgs,
  pauseArgs,
  psArgs,
  restoreArgs,
  resumeArgs,
  startArgs,
  stateArgs,
  updateArgs,
} from '../../../src/runc/args.ts';

describe('globalArgs', () => {
  test('nothing set gives no flags', () => {
    assert.deepEqual(globalArgs({}), []);
    assert.deepEqual(globalArgs({ binary: 'crun', env: {} }), []);
  });
  test('all flags in shim order', () => {
    assert.deepEqual(
      globalArgs({
        root: '/run/containerd/runc/default',
        log: '/b/log.json',
        logFormat: 'json',
        systemdCgroup: true,
        criu: '/usr/sbin/criu',
      }),
      [
        '--root',
        '/run/containerd/runc/default',
        '--log',
        '/b/log.json',
        '--log-format',
        'json',
        '--systemd-cgroup',
        '--criu',
        '/usr/sbin/criu',
      ],
    );
  });
  test('systemdCgroup false and empty strings are omitted', () => {
    assert.deepEqual(globalArgs({ root: '', log: '/l', systemdCgroup: false, criu: '' }), ['--log', '/l']);
    assert.deepEqual(globalArgs({ logFormat: 'text' }), ['--log-format', 'text']);
  });
});

describe('create', () => {
  test('minimal', () => {
    assert.deepEqual(createArgs('c1', { bundle: '/b', pidFile: '/b/init.pid' }), [
      'create',
      '--bundle',
      '/b',
      '--pid-file',
      '/b/init.pid',
      'c1',
    ]);
  });
  test('every option', () => {
    assert.deepEqual(
      createArgs('c1', {
        bundle: '/b',
        pidFile: '/b/init.pid',
        consoleSocket: '/tmp/pty.sock',
        noPivot: true,
        noNewKeyring: true,
        io: { stdin: 10, stdout: 11, stderr: 12 },
        extraFds: [20, 21],
      }),
      [
        'create',
        '--bundle',
        '/b',
        '--pid-file',
        '/b/init.pid',
        '--console-socket',
        '/tmp/pty.sock',
        '--no-pivot',
        '--no-new-keyring',
        '--preserve-fds',
        '2',
        'c1',
      ],
    );
  });
  test('never passes --detach and no --preserve-fds for an empty list', () => {
    const args = createArgs('c1', { bundle: '/b', pidFile: '/p', extraFds: [], noPivot: false });
    assert.ok(!args.includes('--detach'));
    assert.ok(!args.includes('--preserve-fds'));
    assert.ok(!args.includes('--no-pivot'));
  });
});

describe('exec', () => {
  test('detached by default, process file first, id last', () => {
    assert.deepEqual(execArgs('c1', '/run/runc-process123', { pidFile: '/b/e1.pid' }), [
      'exec',
      '--process',
      '/run/runc-process123',
      '--detach',
      '--pid-file',
      '/b/e1.pid',
      'c1',
    ]);
  });
  test('console socket before --detach; detach false omits it', () => {
    assert.deepEqual(execArgs('c1', '/p.json', { pidFile: '/e.pid', consoleSocket: '/s.sock' }), [
      'exec',
      '--process',
      '/p.json',
      '--console-socket',
      '/s.sock',
      '--detach',
      '--pid-file',
      '/e.pid',
      'c1',
    ]);
    assert.deepEqual(execArgs('c1', '/p.json', { pidFile: '/e.pid', detach: false }), [
      'exec',
      '--process',
      '/p.json',
      '--pid-file',
      '/e.pid',
      'c1',
    ]);
  });
});

describe('simple commands', () => {
  test('start/pause/resume/state/ps/update/features', () => {
    assert.deepEqual(startArgs('c1'), ['start', 'c1']);
    assert.deepEqual(pauseArgs('c1'), ['pause', 'c1']);
    assert.deepEqual(resumeArgs('c1'), ['resume', 'c1']);
    assert.deepEqual(stateArgs('c1'), ['state', 'c1']);
    assert.deepEqual(psArgs('c1'), ['ps', '--format', 'json', 'c1']);
    assert.deepEqual(updateArgs('c1'), ['update', '--resources=-', 'c1']);
    assert.deepEqual(featuresArgs(), ['features']);
  });
  test('kill: signal number after the id, --all before it', () => {
    assert.deepEqual(killArgs('c1', 15), ['kill', 'c1', '15']);
    assert.deepEqual(killArgs('c1', 9, { all: true }), ['kill', '--all', 'c1', '9']);
    assert.deepEqual(killArgs('c1', 9, { all: false }), ['kill', 'c1', '9']);
    assert.throws(() => killArgs('c1', -1), RangeError);
    assert.throws(() => killArgs('c1', 1.5), RangeError);
  });
  test('delete with and without --force', () => {
    assert.deepEqual(deleteArgs('c1'), ['delete', 'c1']);
    assert.deepEqual(deleteArgs('c1', { force: true }), ['delete', '--force', 'c1']);
  });
});

describe('checkpoint', () => {
  test('minimal: image path and id', () => {
    assert.deepEqual(checkpointArgs('c1', { imagePath: '/img' }), [
      'checkpoint',
      '--image-path',
      '/img',
      'c1',
    ]);
  });
  test('every flag in go-runc order, --leave-running last', () => {
    assert.deepEqual(
      checkpointArgs('c1', {
        imagePath: '/img',
        workPath: '/work',
        parentPath: '/parent',
        tcpEstablished: true,
        extUnixSockets: true,
        shellJob: true,
        fileLocks: true,
        emptyNamespaces: ['network', 'ipc'],
        leaveRunning: true,
      }),
      [
        'checkpoint',
        '--image-path',
        '/img',
        '--work-path',
        '/work',
        '--parent-path',
        '/parent',
        '--tcp-established',
        '--ext-unix-sk',
        '--shell-job',
        '--file-locks',
        '--empty-ns',
        'network',
        '--empty-ns',
        'ipc',
        '--leave-running',
        'c1',
      ],
    );
  });
});

describe('restore', () => {
  test('defaults: detached, -no-subreaper, bundle and id last', () => {
    assert.deepEqual(
      restoreArgs('c1', { imagePath: '/img', workPath: '/b/work', bundle: '/b', pidFile: '/b/init.pid' }),
      [
        'restore',
        '--image-path',
        '/img',
        '--work-path',
        '/b/work',
        '--detach',
        '--pid-file',
        '/b/init.pid',
        '-no-subreaper',
        '--bundle',
        '/b',
        'c1',
      ],
    );
  });
  test('every option', () => {
    assert.deepEqual(
      restoreArgs('c1', {
        imagePath: '/img',
        workPath: '/w',
        parentPath: '/par',
        bundle: '/b',
        pidFile: '/b/init.pid',
        consoleSocket: '/s.sock',
        noPivot: true,
        detach: false,
        noSubreaper: false,
      }),
      [
        'restore',
        '--image-path',
        '/img',
        '--work-path',
        '/w',
        '--parent-path',
        '/par',
        '--pid-file',
        '/b/init.pid',
        '--console-socket',
        '/s.sock',
        '--no-pivot',
        '--bundle',
        '/b',
        'c1',
      ],
    );
  });
});
