// Output as containerd's clients rely on it: every byte a container writes reaches its reader, in order. A
// reader that pauses or goes away makes the container wait (its pipe fills) instead of losing output, a client
// that attaches again gets the output from where it stopped, and the few bytes of a short process arrive even
// though the client closes its readers as soon as Delete returns.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { skipReason, startContainerd, type Containerd } from '../../helpers/containerd.ts';
import {
  ctrOk,
  eventually,
  runInBackground,
  sharedDaemon,
  shimTest,
  shimTestVersions,
  sleep,
  waitForStatus,
  seqOutput,
  sha256,
} from './helpers.ts';

/** ~10.9 MB of numbered lines: far more than a pipe and a FIFO hold */
const LINES = 1_500_000;
const expected = seqOutput(LINES);

for (const version of shimTestVersions()) {
  describe(
    `tsshim under containerd ${version}: no output is ever dropped`,
    { skip: skipReason(version), concurrency: false },
    () => {
      const shared = sharedDaemon(version);

      shimTest(
        shared,
        'short processes printing a few bytes, many at once: every byte arrives',
        async (d, image) => {
          const host = shared.id('host');
          await ctrOk(d, ['run', '-d', image, host, 'sleep', '600']);
          await waitForStatus(d, host, 'RUNNING');
          const wrong: string[] = [];
          let runs = 0;
          const check = (
            what: string,
            res: { code: number | null; stdout: string; stderr: string },
          ): void => {
            runs++;
            if (res.code !== 0 || res.stdout !== '0\n') wrong.push(`${what}: ${JSON.stringify(res)}`);
          };
          // ctr closes its FIFO readers as soon as Delete returns: the bytes must be in its hands by then
          const execs = async (worker: number): Promise<void> => {
            for (let i = 0; i < 8; i++) {
              const execId = `id-${worker}-${i}`;
              check(
                execId,
                await d.ctr(['task', 'exec', '--exec-id', execId, host, 'id', '-u'], { timeoutMs: 60_000 }),
              );
            }
          };
          const runsRm = async (worker: number): Promise<void> => {
            for (let i = 0; i < 3; i++) {
              const id = shared.id(`short-${worker}`);
              check(id, await d.ctr(['run', '--rm', image, id, 'id', '-u'], { timeoutMs: 60_000 }));
            }
          };
          await Promise.all([0, 1, 2, 3].flatMap((w) => [execs(w), runsRm(w)]));
          assert.deepEqual(wrong, [], `${wrong.length} of ${runs} processes lost output`);
        },
      );

      shimTest(
        shared,
        'a reader that pauses for 10 s gets every byte of 10 MB in order',
        async (d, image) => {
          const id = shared.id('paused-reader');
          const run = runInBackground(d, ['run', '--rm', image, id, 'seq', '1', String(LINES)]);
          await run.waitForStdout(/\n/);
          // ctr stops reading: its stdout pipe, the FIFO and the container's pipe fill up in turn
          run.child.kill('SIGSTOP');
          await sleep(10_000);
          run.child.kill('SIGCONT');
          assert.equal(await run.exited, 0, run.stderr());
          assert.equal(run.stdout().length, expected.length);
          assert.equal(sha256(run.stdout()), sha256(expected));
        },
        180_000,
      );

      shimTest(
        shared,
        'a client that goes away and attaches again gets the whole 10 MB output in order',
        async (d, image) => {
          const id = shared.id('reattach');
          // ctr run -d opens the FIFOs, starts the task and exits: the output waits for the next reader
          const before = await ctrOk(d, ['run', '-d', image, id, 'seq', '1', String(LINES)]);
          await sleep(2000);
          assert.equal((await d.ctr(['task', 'ls'])).stdout.includes('RUNNING'), true, 'the task waits');
          const attach = runInBackground(d, ['task', 'attach', id]);
          // ctr reads until the shim closes the FIFO (EOF) and the task has exited
          assert.equal(await attach.exited, 0, attach.stderr());
          // what the first client took before it exited (it may have read a little), then the rest
          const got = before + attach.stdout();
          assert.ok(
            attach.stdout().length > expected.length / 2,
            'most of the output went to the second client',
          );
          assert.equal(got.length, expected.length);
          assert.equal(sha256(got), sha256(expected));
        },
        180_000,
      );
    },
  );
}

describe(
  'TSSHIM_OUTPUT_DROP_LINES=1: a container never waits for its reader',
  { skip: skipReason('2') },
  () => {
    let d: Containerd | undefined;
    after(async () => {
      await d?.stop();
    });

    test('with the reader paused the container runs to its end; whole lines arrive, in order, the rest is counted', async () => {
      d = await startContainerd('2', {
        shim: 'tsshim',
        logLevel: 'debug',
        env: { TSSHIM_OUTPUT_DROP_LINES: '1' },
      });
      const image = await d.importImage();
      const run = runInBackground(d, [
        'run',
        '--rm',
        image,
        'dropper',
        'sh',
        '-c',
        `seq 1 ${LINES}; echo done >&2`,
      ]);
      await run.waitForStdout(/\n/);
      run.child.kill('SIGSTOP');
      // the container is not held up by the paused reader: it finishes while ctr is stopped
      await eventually(
        () => d!.log().includes('lines were dropped'),
        (seen) => seen,
        60_000,
      );
      run.child.kill('SIGCONT');
      assert.equal(await run.exited, 0, run.stderr());
      const got = run.stdout().split('\n').slice(0, -1).map(Number);
      assert.ok(got.length < LINES, 'lines were dropped');
      for (let i = 1; i < got.length; i++) assert.ok(got[i]! > got[i - 1]!, `in order at ${i}`);
      assert.ok(
        got.every((n) => Number.isInteger(n) && n >= 1 && n <= LINES),
        'only whole lines',
      );
    });
  },
);
