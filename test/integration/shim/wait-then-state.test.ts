// What containerd's clients rely on after a Wait: `ctr run --rm` and `ctr task exec` call Delete as soon as Wait
// returns, and containerd's client refuses ("task must be stopped before deletion") unless State already says
// stopped. The runtime here is runc behind a wrapper that holds every `kill` for a moment after it signalled, so
// the exit is reaped while the Kill call still holds the process: the window in which a Wait answered too early
// would be seen by the client every time.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { skipReason } from '../../helpers/containerd.ts';
import {
  ctrOk,
  runInBackground,
  sharedDaemon,
  shimTest,
  shimTestVersions,
  tempDir,
  waitForStatus,
  writeExecutable,
} from './helpers.ts';

const ROUNDS = 4;

function slowKillWrapper(dir: string): string {
  return writeExecutable(
    join(dir, 'runc-slow-kill'),
    [
      '#!/bin/sh',
      '/usr/sbin/runc "$@"',
      'rc=$?',
      'case " $* " in *" kill "*) sleep 0.4 ;; esac',
      'exit $rc',
      '',
    ].join('\n'),
  );
}

for (const version of shimTestVersions()) {
  describe(
    `tsshim under containerd ${version}: a Wait answer means State says stopped`,
    { skip: skipReason(version), concurrency: false },
    () => {
      const shared = sharedDaemon(version);

      shimTest(
        shared,
        'ctr run --rm of a task killed from outside exits 137 and deletes it',
        async (d, image) => {
          const dir = tempDir('tsshim-waitstate-');
          try {
            const wrapper = slowKillWrapper(dir.path);
            for (let round = 0; round < ROUNDS; round++) {
              const id = shared.id('killed');
              const run = runInBackground(d, [
                'run',
                '--rm',
                '--runc-binary',
                wrapper,
                image,
                id,
                'sleep',
                '600',
              ]);
              await waitForStatus(d, id, 'RUNNING');
              await ctrOk(d, ['task', 'kill', '--signal', 'SIGKILL', id]);
              const code = await run.exited;
              assert.doesNotMatch(run.stderr(), /must be stopped/, `round ${round}`);
              assert.equal(code, 137, `round ${round}: ${run.stderr()}`);
            }
          } finally {
            dir.remove();
          }
        },
      );

      shimTest(
        shared,
        'ctr task exec of an exec killed from outside exits 137 and deletes it',
        async (d, image) => {
          const id = shared.id('host');
          await ctrOk(d, ['run', '-d', image, id, 'sleep', '600']);
          await waitForStatus(d, id, 'RUNNING');
          for (let round = 0; round < ROUNDS; round++) {
            const execId = `e${round}`;
            const exec = runInBackground(d, ['task', 'exec', '--exec-id', execId, id, 'sleep', '600']);
            // the exec is listed once it runs
            for (let i = 0; i < 100; i++) {
              const ps = await d.ctr(['task', 'ps', id]);
              if (ps.stdout.split('\n').length > 3) break;
              await new Promise((r) => setTimeout(r, 50));
            }
            await ctrOk(d, ['task', 'kill', '--signal', 'SIGKILL', '--exec-id', execId, id]);
            const code = await exec.exited;
            assert.doesNotMatch(exec.stderr(), /must be stopped/, `round ${round}`);
            assert.equal(code, 137, `round ${round}: ${exec.stderr()}`);
          }
        },
      );
    },
  );
}
