// Ids that containerd's identifiers rule refuses (a path, a newline, too long, empty where one is needed) are
// refused by every Task method with InvalidArgument and the rule in the message, before anything is made: no
// file in or beside the bundle, no mount, no runc state, no process. Valid but unknown ids stay NotFound.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TypeNames } from '../../../src/api/types.ts';
import { startLiveShim, type LiveShim } from '../../helpers/live-shim.ts';
import {
  alive,
  childrenOf,
  crashLines,
  mountsUnder,
  outcome,
  processSpec,
  runcContainers,
  removeRuncRoot,
} from './helpers.ts';
import { EXEC_METHODS, taskRequests, type TaskRequest } from './task-requests.ts';

const T = TypeNames;

/** Each one would name a file outside the bundle, a file with a newline in its name, or one containerd never makes. */
const HOSTILE: [label: string, id: string][] = [
  ['a parent path', '../escape'],
  ['a slash', 'a/b'],
  ['a trailing newline', 'x\n'],
  ['77 characters', 'a'.repeat(77)],
  ['a leading dot', '.hidden'],
  ['a leading dash', '-rf'],
  ['a space', 'a b'],
];

const RULE = /must match \^\[A-Za-z0-9\]\+\(\?:\[\._-\]\(\?:\[A-Za-z0-9\]\+\)\)\*\$: invalid argument$/;
const LENGTH = /greater than maximum length \(76 characters\): invalid argument$/;
const EMPTY = /identifier must not be empty: invalid argument$/;

function expected(id: string): RegExp {
  if (id === '') return EMPTY;
  return id.length > 76 ? LENGTH : RULE;
}

/** Every method, with a request that names container `id` and, where the method has one, exec `execId`; Kill
 *  sends signal 0, so that one that went ahead would harm nothing. */
function requests(id: string, execId: string, bundle: string): TaskRequest[] {
  return taskRequests({
    id,
    execId,
    newExecId: execId || 'e1',
    signal: 0,
    checkpointPath: join(bundle, 'checkpoint'),
  });
}

/** Every path under `dir`, relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => relative(dir, join(dir, p)))
    .sort();
}

describe('hostile ids', { timeout: 180_000 }, () => {
  let shim: LiveShim;
  /** a second bundle, for Creates: nothing may appear in it */
  let spare: string;
  let before_: { work: string[]; runc: string[]; mounts: string[] };
  let initPid: number;

  before(async () => {
    shim = await startLiveShim();
    spare = join(shim.work, 'spare');
    mkdirSync(spare);
    copyFileSync(join(shim.bundle, 'config.json'), join(spare, 'config.json'));
    // the exec pid file of `../escape` would land here, beside the bundle
    writeFileSync(join(shim.work, 'marker'), '');
    initPid = (
      await shim.call<{ pid: number }>('State', T.stateRequest, { id: shim.id, exec_id: '' }, T.stateResponse)
    ).pid;
    before_ = {
      work: tree(shim.work),
      runc: runcContainers(shim.namespace),
      mounts: mountsUnder(shim.shimPid, shim.work),
    };
  });
  after(async () => {
    await shim?.stop();
    removeRuncRoot(shim?.namespace);
  });

  /** Nothing was made: the work tree (bundle, spare bundle, their parent), runc's state, mounts, processes. */
  function assertNothingMade(label: string): void {
    assert.deepEqual(tree(shim.work), before_.work, `${label}: files in or beside the bundle`);
    assert.deepEqual(runcContainers(shim.namespace), before_.runc, `${label}: runc state`);
    assert.deepEqual(mountsUnder(shim.shimPid, shim.work), before_.mounts, `${label}: mounts`);
    assert.deepEqual(childrenOf(shim.shimPid), [initPid], `${label}: processes`);
  }

  for (const [label, id] of HOSTILE) {
    test(`Create with ${label} as its id answers 3 with the rule and makes nothing`, async () => {
      const res = await outcome(
        shim.call('Create', T.createTaskRequest, {
          id,
          bundle: spare,
          // a rootfs mount, so that a Create that went ahead would leave a rootfs directory at least
          rootfs: [{ type: 'tmpfs', source: 'tmpfs', target: '', options: [] }],
        }),
      );
      assert.equal(res.code, 3, res.message);
      assert.match(res.message, /^invalid container id: identifier /);
      assert.match(res.message, expected(id));
      assertNothingMade(label);
    });

    test(`Exec, then Start, with ${label} as the exec id answer 3 and make nothing`, async () => {
      const exec = await outcome(
        shim.call('Exec', T.execProcessRequest, {
          id: shim.id,
          exec_id: id,
          spec: processSpec(['true']),
        }),
      );
      assert.equal(exec.code, 3, exec.message);
      assert.match(exec.message, /^invalid exec id: identifier /);
      assert.match(exec.message, expected(id));
      // Start is where an exec's pid file would be written (`<bundle>/<exec id>.pid`)
      const start = await outcome(shim.call('Start', T.startRequest, { id: shim.id, exec_id: id }));
      assert.equal(start.code, 3, start.message);
      assertNothingMade(label);
    });

    test(`every other method with ${label} as the container or exec id answers 3 with the rule`, async () => {
      for (const [method, type, req] of requests(id, '', spare)) {
        const res = await outcome(shim.call(method, type, req));
        assert.equal(res.code, 3, `${method}: ${res.message}`);
        assert.match(res.message, /^invalid container id: /, method);
        assert.match(res.message, expected(id), method);
      }
      for (const [method, type, req] of requests(shim.id, id, spare)) {
        if (!EXEC_METHODS.has(method)) continue;
        const res = await outcome(shim.call(method, type, req));
        assert.equal(res.code, 3, `${method} with exec id: ${res.message}`);
        assert.match(res.message, /^invalid exec id: /, method);
        assert.match(res.message, expected(id), method);
      }
      assertNothingMade(label);
    });
  }

  test('an empty container id answers 3 "identifier must not be empty", also for Create', async () => {
    for (const [method, type, req] of [
      ...requests('', '', spare),
      ['Create', T.createTaskRequest, { id: '', bundle: spare }] as TaskRequest,
    ]) {
      const res = await outcome(shim.call(method, type, req));
      assert.equal(res.code, 3, `${method}: ${res.message}`);
      assert.equal(res.message, 'invalid container id: identifier must not be empty: invalid argument');
    }
    assertNothingMade('empty id');
  });

  test('Exec needs an exec id: an empty one answers 3 "identifier must not be empty"', async () => {
    const res = await outcome(
      shim.call('Exec', T.execProcessRequest, { id: shim.id, exec_id: '', spec: processSpec(['true']) }),
    );
    assert.deepEqual(res, {
      code: 3,
      message: 'invalid exec id: identifier must not be empty: invalid argument',
    });
    assertNothingMade('empty exec id');
  });

  test('Create with a relative bundle path answers 3 and writes nothing where the daemon runs', async () => {
    // the daemon runs in /: a relative bundle would put the options files, runc's log and mounts there
    const relative = `tsshim-relative-${process.pid}/bundle`;
    const res = await outcome(shim.call('Create', T.createTaskRequest, { id: 'relative', bundle: relative }));
    assert.deepEqual(res, {
      code: 3,
      message: `bundle path "${relative}" is not absolute: invalid argument`,
    });
    assert.equal(existsSync(join('/', relative.split('/')[0]!)), false);
    assertNothingMade('relative bundle');
  });

  test('a hostile id in an error message is escaped and cut short', async () => {
    const long = `\u001b[2J${'a'.repeat(4000)}`;
    const res = await outcome(shim.call('State', T.stateRequest, { id: long, exec_id: '' }));
    assert.equal(res.code, 3);
    assert.ok(!res.message.includes('\u001b'), 'no raw escape sequence');
    assert.ok(res.message.length < 400, `message of ${res.message.length} characters`);
  });

  test('valid ids that name nothing still answer NotFound, and the container was never disturbed', async () => {
    const res = await outcome(shim.call('State', T.stateRequest, { id: 'no.such_container-1', exec_id: '' }));
    assert.deepEqual(res, { code: 5, message: 'container not created: not found' });
    const exec = await outcome(shim.call('State', T.stateRequest, { id: shim.id, exec_id: 'no-such.exec' }));
    assert.deepEqual(exec, { code: 5, message: 'process does not exist no-such.exec: not found' });
    const state = await shim.call<{ status: number; pid: number }>(
      'State',
      T.stateRequest,
      { id: shim.id, exec_id: '' },
      T.stateResponse,
    );
    assert.equal(state.status, 2);
    assert.equal(state.pid, initPid);
    assert.ok(alive(initPid));
    assert.deepEqual(crashLines(shim), []);
  });
});
