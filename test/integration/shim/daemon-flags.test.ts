// The daemon runs under the node flags src/shim/boot/daemon-flags.json names (--jitless among them, which Node.js
// marks experimental), and a soak of execs under them behaves: every exec exits with its own status, the shim
// keeps answering, logs no crash, and its private memory stays flat once warm.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TypeNames } from '../../../src/api/types.ts';
import { DEFAULT_DAEMON_NODE_FLAGS } from '../../../src/shim/boot/daemon-flags.ts';
import { startLiveShim, type LiveShim } from '../../helpers/live-shim.ts';
import { crashLines, processSpec, removeRuncRoot } from '../robustness/helpers.ts';

const T = TypeNames;
const WARMUP = 50;
const EXECS = 500;

/** Private_Clean + Private_Dirty of a process, KiB */
function privateKiB(pid: number): number {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  let kib = 0;
  for (const m of rollup.matchAll(/^Private_(?:Clean|Dirty):\s+(\d+) kB$/gm)) kib += Number(m[1]);
  return kib;
}

describe('the daemon under its node flags', { timeout: 600_000 }, () => {
  let shim: LiveShim;
  before(async () => {
    shim = await startLiveShim();
  });
  after(async () => {
    await shim?.stop();
    removeRuncRoot(shim?.namespace);
  });

  test('runs under the flags daemon-flags.json names', () => {
    // its command line shows as containerd ran the shim (process.title), so ask the shim
    const res = shim.tsshim(['shim', ...shim.target(), '--format', 'json', 'dump']);
    assert.equal(res.code, 0, res.stderr);
    const { nodeFlags } = JSON.parse(res.stdout) as { nodeFlags: string[] };
    assert.deepEqual(nodeFlags, DEFAULT_DAEMON_NODE_FLAGS);
  });

  test(`a soak of ${EXECS} execs: each exits with its own status, and memory stays flat once warm`, async () => {
    const exec = async (i: number): Promise<void> => {
      const ref = { id: shim.id, exec_id: `soak-${i}` };
      await shim.call('Exec', T.execProcessRequest, {
        ...ref,
        spec: processSpec(['sh', '-c', `exit ${i % 7}`]),
      });
      await shim.call('Start', T.startRequest, ref);
      const { exit_status: status } = await shim.call<{ exit_status: number }>(
        'Wait',
        T.waitRequest,
        ref,
        T.waitResponse,
      );
      assert.equal(status ?? 0, i % 7, `exec ${i}`);
      await shim.call('Delete', T.deleteRequest, ref);
    };
    for (let i = 0; i < WARMUP; i++) await exec(i);
    // the idle memory reduction runs 2 s after the last request: compare settled figures
    await new Promise((r) => setTimeout(r, 3_000));
    const warm = privateKiB(shim.shimPid);
    for (let i = WARMUP; i < WARMUP + EXECS; i++) await exec(i);
    await new Promise((r) => setTimeout(r, 3_000));
    const soaked = privateKiB(shim.shimPid);
    const state = await shim.call<{ status: number }>(
      'State',
      T.stateRequest,
      { id: shim.id, exec_id: '' },
      T.stateResponse,
    );
    assert.equal(state.status, 2, 'the init still runs and the shim answers');
    assert.deepEqual(crashLines(shim), []);
    assert.ok(
      soaked - warm < 1024,
      `private memory grew ${soaked - warm} KiB over ${EXECS} execs (${warm} → ${soaked})`,
    );
  });
});
