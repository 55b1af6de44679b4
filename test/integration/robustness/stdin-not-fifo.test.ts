// An exec whose stdin names something that is not a FIFO fails to start with a message naming it, and leaves no
// fd behind in the shim: the pipe made for the container's stdin is closed with the rest of its IO.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TypeNames } from '../../../src/api/types.ts';
import { startLiveShim, type LiveShim } from '../../helpers/live-shim.ts';
import { eventually, outcome, processSpec, removeRuncRoot } from './helpers.ts';

const T = TypeNames;

/** What each of the shim's fds refers to (`pipe:[123]`, `socket:[456]`, a path). */
function fds(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
    } catch {
      return [];
    }
  });
}

describe('stdin that is not a FIFO', { timeout: 60_000 }, () => {
  let shim: LiveShim;
  before(async () => {
    shim = await startLiveShim();
  });
  after(async () => {
    await shim?.stop();
    removeRuncRoot(shim?.namespace);
  });

  test('Start fails naming it, and the shim holds no more fds than before', async () => {
    const notFifo = join(shim.work, 'regular-file');
    writeFileSync(notFifo, '');
    const before = fds(shim.shimPid);
    for (const [i, stdout] of ['', join(shim.work, 'out.log')].entries()) {
      const ref = { id: shim.id, exec_id: `stdin-${i}` };
      const exec = await outcome(
        shim.call('Exec', T.execProcessRequest, {
          ...ref,
          stdin: notFifo,
          // one with a file:// destination for the output, one with stdin alone
          stdout: i === 0 ? '' : `file://${stdout}`,
          spec: processSpec(['cat']),
        }),
      );
      assert.equal(exec.code, 0, exec.message);
      const start = await outcome(shim.call('Start', T.startRequest, ref));
      assert.equal(start.code, 2);
      assert.match(start.message, /stdin .*regular-file is not a fifo/);
      await shim.call('Delete', T.deleteRequest, ref);
    }
    const after = await eventually(
      () => fds(shim.shimPid),
      (now) => now.length <= before.length,
    );
    assert.deepEqual(
      after.filter((f) => !before.includes(f)),
      [],
      'fds the shim did not hold before',
    );
  });
});
