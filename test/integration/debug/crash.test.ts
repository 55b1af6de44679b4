// A daemon that throws an exception nothing catches logs, in one line, the stack mapped to src/ files and lines
// through the bundles' source maps and the state dump, then exits. The throw comes from the test-only hook
// (TSSHIM_TEST_CRASH=1, then SIGUSR2: src/shim/crash/handler.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLiveShim } from '../../helpers/live-shim.ts';
import { alive, eventually, removeRuncRoot } from '../robustness/helpers.ts';

interface CrashLine {
  level: string;
  msg: string;
  error: string;
  dump: { pid: number; containers: { id: string; init: { state: string } }[] };
}

describe('a crashing daemon', { timeout: 120_000 }, () => {
  test('logs the stack in src/ lines and the state dump, then exits', async () => {
    const shim = await startLiveShim({ env: { TSSHIM_TEST_CRASH: '1' } });
    try {
      process.kill(shim.shimPid, 'SIGUSR2');
      const gone = await eventually(
        () => alive(shim.shimPid),
        (a) => !a,
      );
      assert.equal(gone, false, 'the daemon exited');
      const lines = await eventually(
        () => shim.log().filter((l) => l.includes('uncaught exception')),
        (l) => l.length > 0,
      );
      assert.equal(lines.length, 1, shim.log().join('\n'));
      const crash = JSON.parse(lines[0]!) as CrashLine;
      assert.equal(crash.level, 'error');
      assert.match(crash.error, /^Error: crash asked for by SIGUSR2/);
      assert.match(crash.error, /\n\s+at .*src\/shim\/crash\/handler\.ts:\d+:\d+/, crash.error);
      assert.doesNotMatch(crash.error, /\.cjs:\d+:\d+/, 'no frame is left in a bundle');
      assert.equal(crash.dump.pid, shim.shimPid);
      assert.deepEqual(
        crash.dump.containers.map((c) => [c.id, c.init.state]),
        [[shim.id, 'running']],
      );
    } finally {
      await shim.stop();
      removeRuncRoot(shim.namespace);
    }
  });

  test('without the test variable, SIGUSR2 is not a crash hook', async () => {
    const shim = await startLiveShim({ start: false });
    try {
      process.kill(shim.shimPid, 'SIGUSR2');
      await eventually(
        () => alive(shim.shimPid),
        (a) => !a,
      );
      assert.deepEqual(
        shim.log().filter((l) => l.includes('uncaught exception')),
        [],
        'Node ended it on the signal; nothing threw',
      );
    } finally {
      await shim.stop();
      removeRuncRoot(shim.namespace);
    }
  });
});
