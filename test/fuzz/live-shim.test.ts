// A live shim (started as containerd starts it, one busybox container in it) under arbitrary Task requests: each
// is answered, the next valid request too, nothing crashes, and once the dust settles no process, fd, mount or
// runc container is left that was not there before.
//
// Field values are arbitrary, with one limit: a field that names something on the host (a bundle, a mount
// source, a runtime binary, a state root, an output file) is drawn from places under this test's own directory,
// because those are containerd's to choose and the shim, running as root, does use them. And the running
// container is never paused, updated, checkpointed or signalled with anything but 0, SIGCONT or SIGWINCH, so that
// what is checked at the end is the shim's own doing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { decode, encode, messageType } from '../../src/api/codec.ts';
import { TypeNames } from '../../src/api/types.ts';
import { startLiveShim, type LiveShim } from '../helpers/live-shim.ts';
import {
  childrenOf,
  crashLines,
  eventually,
  mountsUnder,
  processSpec,
  RawConnection,
  removeRuncRoot,
  runcContainers,
  socketOf,
} from '../integration/robustness/helpers.ts';
import { withTimeout } from '../unit/ttrpc/helpers.ts';
import { identifierProblem } from '../../src/shim/identifiers.ts';
import {
  REQUEST_TYPES,
  anyMessage,
  anyString,
  encodedArbitrary,
  fuzzParameters,
  type Overrides,
} from './arbitraries.ts';

const T = TypeNames;
const PROCESS_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Process';
const RESOURCES_URL = 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources';
/** each request's deadline: a Wait on the running container ends there */
const TIMEOUT_NANO = 500e6;
/** Arbitrary strings that are not valid ids: the valid ones come from the pools, so that the containers and execs
 *  a long run makes stay few, and are all ended at the end. */
const notAnId = anyString.filter((s) => identifierProblem(s) !== undefined);
/** the same, less '': an empty exec id names the container's init, which must not be signalled */
const notAnExecId = notAnId.filter((s) => s !== '');
/** valid container ids that name no container, until a Create with a checkpoint registers one */
const CONTAINER_POOL = ['fz-unknown', 'fz.c_1'];
/** exec ids the fuzz comes back to, so that Start, Kill, Wait and Delete find the execs it made; the last would
 *  put the exec's pid file beside the bundle if the shim took it */
const EXEC_POOL = ['fz1', 'fz2', '../fz3'];

/** What each of the process's fds refers to, as /proc shows it (`pipe:[123]`, `socket:[456]`, a path). */
function fds(pid: number): string[] {
  const out: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      out.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

describe('a live shim under arbitrary Task requests', { timeout: 6 * 3600_000 }, () => {
  let shim: LiveShim;
  let raw: RawConnection;
  let initPid: number;
  let baseline: { fds: string[]; mounts: string[]; work: string[] };
  let fuzzDir: string;
  /** exec ids the shim accepted an Exec for, in the running container */
  const execsMade = new Set<string>();

  before(async () => {
    // the default `sleep 600` would end in the middle of a long run
    shim = await startLiveShim({ args: ['sleep', '2147483647'] });
    raw = await RawConnection.connect(socketOf(shim));
    fuzzDir = join(shim.work, 'fuzz');
    for (const d of ['bundle', 'src', 'io', 'root']) mkdirSync(join(fuzzDir, d), { recursive: true });
    initPid = (
      await shim.call<{ pid: number }>('State', T.stateRequest, { id: shim.id, exec_id: '' }, T.stateResponse)
    ).pid;
    baseline = {
      fds: fds(shim.shimPid),
      mounts: mountsUnder(shim.shimPid, shim.work),
      work: readdirSync(shim.work).sort(),
    };
  });
  after(async () => {
    raw?.close();
    await shim?.stop();
    removeRuncRoot(shim?.namespace);
  });

  /** The arbitrary request for one method, within the limits above. */
  function requestOf(method: string, fixed: Overrides = {}): fc.Arbitrary<Uint8Array> {
    const unknownId = fc.oneof(fc.constantFrom(...CONTAINER_POOL), notAnId);
    const anyId = fc.oneof(fc.constant(shim.id), unknownId);
    const execId = fc.oneof(fc.constant(''), fc.constantFrom(...EXEC_POOL), notAnId);
    const here = (...names: string[]): fc.Arbitrary<string> =>
      fc.constantFrom(...names.map((n) => join(fuzzDir, n)));
    const stdio = fc.oneof(
      fc.constant(''),
      here('io/out.log').map((p) => `file://${p}`),
    );
    const common: Overrides = { id: anyId, exec_id: execId, stdin: stdio, stdout: stdio, stderr: stdio };
    switch (method) {
      case 'Exec':
        return encodedArbitrary(
          T.execProcessRequest,
          {
            ...common,
            id: fc.oneof(fc.constant(shim.id), unknownId),
            exec_id: fc.oneof(fc.constantFrom(...EXEC_POOL), notAnId),
            spec: fc.oneof(
              anyMessage([PROCESS_URL]),
              fc.constantFrom(
                processSpec(['true']),
                processSpec(['sleep', '0.2']),
                processSpec(['no-such-binary']),
              ),
            ),
            ...fixed,
          },
          Object.keys(fixed),
        );
      case 'Kill':
        return fc
          .oneof(
            // the container itself: only signals that leave it running
            fc.record({
              id: fc.constant(shim.id),
              exec_id: fc.constant(''),
              signal: fc.constantFrom(0, 18, 28),
              all: fc.boolean(),
            }),
            fc.record({
              id: fc.constant(shim.id),
              exec_id: fc.oneof(fc.constantFrom(...EXEC_POOL), notAnExecId),
              signal: fc.nat({ max: 2 ** 32 - 1 }),
              all: fc.boolean(),
            }),
            fc.record({
              id: unknownId,
              exec_id: execId,
              signal: fc.nat({ max: 2 ** 32 - 1 }),
              all: fc.boolean(),
            }),
          )
          .map((req) => messageType(T.killRequest).encode(req).finish());
      case 'Pause':
      case 'Update':
      case 'Checkpoint':
        return encodedArbitrary(REQUEST_TYPES[method]!, {
          id: unknownId,
          resources: anyMessage([RESOURCES_URL]),
          options: anyMessage([T.checkpointOptions]),
          path: here('checkpoint'),
        });
      case 'Create':
        return encodedArbitrary(
          T.createTaskRequest,
          {
            ...common,
            id: unknownId,
            bundle: here('bundle', 'missing/deeper'),
            checkpoint: fc.oneof(fc.constant(''), here('checkpoint')),
            parent_checkpoint: fc.oneof(fc.constant(''), here('checkpoint')),
            // mounts: any type, target and options, but sources that are this test's or not paths at all
            'Mount.type': fc.oneof(fc.constantFrom('tmpfs', 'overlay', 'bind', 'none'), anyString),
            'Mount.source': fc.oneof(fc.constantFrom('tsshim-fuzz', 'tmpfs', 'none', ''), here('src')),
            'Mount.target': anyString,
            'Mount.options': fc.array(
              fc.oneof(
                fc.constantFrom(
                  'ro',
                  'rw',
                  'bind',
                  'rbind',
                  'remount',
                  'private',
                  'rshared',
                  'slave',
                  'loop',
                ),
                fc.constantFrom('nosuid', 'nodev', 'noexec', 'size=1m', 'mode=0755', 'uid=0'),
                fc.constant(`lowerdir=${join(fuzzDir, 'src')}`),
                anyString.filter((s) => !s.includes('dir=')),
              ),
              { maxLength: 5 },
            ),
            // the runtime options name a binary and a state root: runc's Options with those from here, or an
            // Any of another type (refused), or none
            'CreateTaskRequest.options': fc.oneof(
              fc.constant(undefined),
              anyMessage(['containerd.runc.v1.Other']).filter((a) => a.type_url !== T.runcOptions),
              fc.record({
                type_url: fc.constant(T.runcOptions),
                value: encodedArbitrary(T.runcOptions, {
                  binary_name: fc.constantFrom('', 'runc', 'no-such-runtime'),
                  root: fc.oneof(fc.constant(''), here('root')),
                  criu_path: fc.constant(''),
                  criu_work_path: fc.constant(''),
                  criu_image_path: fc.constant(''),
                  shim_cgroup: fc.constant(''),
                }),
              }),
            ),
            // always one of the above: an empty bundle would be the daemon's cwd, / (refused: hostile-ids.test.ts)
          },
          ['bundle'],
        );
      default:
        return encodedArbitrary(REQUEST_TYPES[method]!, common);
    }
  }

  /** An exec's life: Exec with an arbitrary spec, then arbitrary calls on the same exec id, as a client makes them. */
  function execScenario(): fc.Arbitrary<Request[]> {
    const followUp = fc.constantFrom('Start', 'Kill', 'Wait', 'Delete', 'ResizePty', 'CloseIO', 'State');
    return fc
      .tuple(
        fc.oneof(fc.constantFrom(...EXEC_POOL), notAnExecId),
        fc.array(followUp, { minLength: 1, maxLength: 4 }),
      )
      .chain(([execId, methods]) => {
        const same: Overrides = { id: fc.constant(shim.id), exec_id: fc.constant(execId) };
        return fc.tuple(
          requestOf('Exec', same).map((bytes) => ({ method: 'Exec', bytes })),
          ...methods.map((method) =>
            encodedArbitrary(REQUEST_TYPES[method]!, same, ['id', 'exec_id']).map((bytes) => ({
              method,
              bytes,
            })),
          ),
        );
      });
  }

  test('every request is answered, and so is the valid State that follows it', async () => {
    const single = fc.oneof(
      fc.record({ method: fc.constantFrom(...METHODS), bytes: fc.uint8Array({ maxLength: 200 }) }),
      fc.constantFrom(...METHODS).chain((method) => requestOf(method).map((bytes) => ({ method, bytes }))),
    );
    const cases = fc.oneof(
      { weight: 3, arbitrary: single.map((r) => [r]) },
      { weight: 1, arbitrary: execScenario() },
    );
    await fc.assert(
      fc.asyncProperty(cases, async (requests) => {
        for (const { method, bytes } of requests) {
          const res = await withTimeout(
            raw.request(shim, method, bytes, { timeoutNano: TIMEOUT_NANO }),
            30_000,
            method,
          );
          assert.ok(res.status === undefined || res.status.code !== 0, `${method}: status with code 0`);
          if (method === 'Exec' && res.status === undefined) {
            const req = decode<{ id: string; exec_id: string }>(T.execProcessRequest, bytes);
            if (req.id === shim.id) execsMade.add(req.exec_id);
          }
        }
        const state = await withTimeout(
          raw.request(shim, 'State', encode(T.stateRequest, { id: shim.id, exec_id: '' })),
          30_000,
          'State',
        );
        assert.equal(state.status, undefined, `State after ${requests.map((r) => r.method).join(', ')}`);
      }),
      fuzzParameters(300),
    );
    // before the execs are deleted (which removes their pid files): nothing was made beside the bundle
    assert.deepEqual(readdirSync(shim.work).sort(), baseline.work, 'files beside the bundle');
  });

  test('afterwards: nothing crashed, and no process, fd, mount or runc container is left behind', async () => {
    // the execs the fuzz made are the test's to end, as containerd would: a created one is deleted at once, a
    // running one killed and waited for first
    for (const exec_id of execsMade) {
      const ref = { id: shim.id, exec_id };
      await shim.call('Kill', T.killRequest, { ...ref, signal: 9 }).catch(() => undefined);
      const deleted = await shim.call('Delete', T.deleteRequest, ref).then(
        () => true,
        () => false,
      );
      if (deleted) continue;
      await shim.call('Wait', T.waitRequest, ref).catch(() => undefined);
      await shim.call('Delete', T.deleteRequest, ref).catch(() => undefined);
    }
    // a Create with a checkpoint registers its container and leaves runc for Start: those are deleted too
    for (const id of CONTAINER_POOL)
      await shim.call('Delete', T.deleteRequest, { id, exec_id: '' }).catch(() => undefined);
    assert.deepEqual(crashLines(shim), []);
    const state = await shim.call<{ status: number; pid: number }>(
      'State',
      T.stateRequest,
      { id: shim.id, exec_id: '' },
      T.stateResponse,
    );
    assert.deepEqual([state.status, state.pid], [2, initPid], 'the container runs on');
    const connect = await shim.call<{ shim_pid: number }>(
      'Connect',
      T.connectRequest,
      { id: shim.id },
      T.connectResponse,
    );
    assert.equal(connect.shim_pid, shim.shimPid);
    assert.deepEqual(
      await eventually(
        () => childrenOf(shim.shimPid),
        (c) => c.length === 1,
      ),
      [initPid],
      'processes under the shim',
    );
    assert.deepEqual(mountsUnder(shim.shimPid, shim.work), baseline.mounts, 'mounts');
    assert.deepEqual(runcContainers(shim.namespace), [shim.id], 'runc containers');
    for (const root of readdirSync(join(fuzzDir, 'root')))
      assert.deepEqual(readdirSync(join(fuzzDir, 'root', root)), [], `runc state under ${root}`);
    const left = await eventually(
      () => fds(shim.shimPid),
      (now) => now.length <= baseline.fds.length,
    );
    assert.ok(
      left.length <= baseline.fds.length,
      `the shim holds ${left.length} fds, ${baseline.fds.length} before; new: ${left.filter((f) => !baseline.fds.includes(f)).join(', ')}`,
    );
  });
});

const METHODS = Object.keys(REQUEST_TYPES);

interface Request {
  method: string;
  bytes: Uint8Array;
}
