// `ctr run` through real containerd daemons with tsshim as their runc v2 shim: stdio, exit codes, large output,
// detached tasks, terminals, log URIs, the runc binary option and a command that cannot start.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { socketAddress, socketPath } from '../../../src/contract/shim-address.ts';
import { skipReason } from '../../helpers/containerd.ts';
import {
  assertClean,
  ctrFails,
  ctrInTerminal,
  ctrOk,
  eventually,
  lines,
  listTasks,
  shimProcesses,
  sharedDaemon,
  shimTestVersions,
  shimTest,
  tempDir,
  waitForStatus,
  writeExecutable,
  seqOutput,
  sha256,
} from './helpers.ts';

for (const version of shimTestVersions()) {
  describe(
    `tsshim under containerd ${version}: ctr run`,
    { skip: skipReason(version), concurrency: false },
    () => {
      const shared = sharedDaemon(version);

      shimTest(
        shared,
        'stdout and stderr reach ctr separately and the exit code is ctr’s',
        async (d, image) => {
          const res = await d.ctr(
            ['run', '--rm', image, shared.id('io'), 'sh', '-c', 'echo to-out; echo to-err >&2; exit 3'],
            { timeoutMs: 60_000 },
          );
          assert.equal(res.stdout, 'to-out\n');
          assert.equal(res.stderr, 'to-err\n');
          assert.equal(res.code, 3);
        },
      );

      shimTest(shared, 'a zero exit makes ctr run exit 0', async (d, image) => {
        const out = await ctrOk(d, ['run', '--rm', image, shared.id('ok'), 'true'], { timeoutMs: 60_000 });
        assert.equal(out, '');
      });

      shimTest(shared, 'stdin given to ctr run reaches the container', async (d, image) => {
        const out = await ctrOk(
          d,
          ['run', '--rm', image, shared.id('stdin'), 'sh', '-c', 'read line; echo "got:$line"'],
          { input: 'hello from stdin\n', timeoutMs: 60_000 },
        );
        assert.equal(out, 'got:hello from stdin\n');
      });

      shimTest(
        shared,
        '30 MB of output arrive intact and in order',
        async (d, image) => {
          const count = 4_000_000; // `seq` prints ~30.9 MB
          const expected = seqOutput(count);
          const res = await d.ctr(['run', '--rm', image, shared.id('big'), 'seq', '1', String(count)], {
            timeoutMs: 240_000,
          });
          assert.equal(res.code, 0, res.stderr);
          assert.equal(res.stdout.length, expected.length);
          assert.equal(sha256(res.stdout), sha256(expected));
        },
        300_000,
      );

      shimTest(shared, 'a detached run is listed RUNNING by task ls with its pid', async (d, image) => {
        const id = shared.id('detached');
        await ctrOk(d, ['run', '-d', image, id, 'sleep', '600'], { timeoutMs: 60_000 });
        const row = await waitForStatus(d, id, 'RUNNING');
        assert.ok(row.pid > 0);
        const stat = readFileSync(`/proc/${row.pid}/cmdline`, 'utf8');
        assert.equal(stat, 'sleep\x00600\x00');
        await ctrOk(d, ['tasks', 'kill', '--signal', 'SIGKILL', id]);
        await waitForStatus(d, id, 'STOPPED');
      });

      shimTest(shared, 'ctr run -t gives the container a terminal of the size ctr has', async (d, image) => {
        // ctr sets the size right after Start (busybox prints an error, exit 0, while it is 0x0): wait for it.
        const script = "until stty size 2>/dev/null | grep -q '^[1-9]'; do sleep 0.1; done; stty size";
        const res = await ctrInTerminal(
          d,
          ['run', '--rm', '-t', image, shared.id('tty'), 'sh', '-c', script],
          {
            rows: 33,
            cols: 101,
          },
        );
        assert.equal(res.timedOut, false);
        assert.equal(res.code, 0, `${res.stdout} ${res.stderr}`);
        assert.match(res.stdout, /^33 101\r?$/m);
      });

      shimTest(shared, 'a terminal run sees a tty on stdin and stdout', async (d, image) => {
        const script = 'test -t 0 && test -t 1 && echo both-tty; exit 4';
        const res = await ctrInTerminal(
          d,
          ['run', '--rm', '-t', image, shared.id('tty'), 'sh', '-c', script],
          {
            rows: 24,
            cols: 80,
          },
        );
        assert.match(res.stdout, /both-tty/);
        assert.equal(res.code, 4);
      });

      shimTest(shared, 'a file:// log URI collects stdout and stderr in that file', async (d, image) => {
        const dir = tempDir('tsshim-log-');
        try {
          const file = join(dir.path, 'sub', 'container.log');
          await ctrOk(
            d,
            [
              'run',
              '--rm',
              '--log-uri',
              `file://${file}`,
              image,
              shared.id('filelog'),
              'sh',
              '-c',
              'echo line-out; echo line-err >&2',
            ],
            { timeoutMs: 60_000 },
          );
          const text = await eventually(
            () => (existsSync(file) ? readFileSync(file, 'utf8') : ''),
            (t) => t.includes('line-out') && t.includes('line-err'),
          );
          assert.deepEqual(lines(text).sort(), ['line-err', 'line-out']);
        } finally {
          dir.remove();
        }
      });

      shimTest(
        shared,
        'a binary:// log URI starts the logger with its arguments and the container streams',
        async (d, image) => {
          const dir = tempDir('tsshim-logger-');
          try {
            // The logger gets no PATH: absolute paths only. fd 3 = stdout, 4 = stderr, 5 = readiness.
            const logger = writeExecutable(
              join(dir.path, 'logger.sh'),
              [
                '#!/bin/sh',
                'base="$2"',
                'echo "$1 $CONTAINER_ID $CONTAINER_NAMESPACE" > "$base.env"',
                'exec 5>&-',
                '/bin/cat <&3 > "$base.out" &',
                '/bin/cat <&4 > "$base.err" &',
                'wait',
                'echo done > "$base.done"',
                '',
              ].join('\n'),
            );
            const base = join(dir.path, 'captured');
            const id = shared.id('binlog');
            await ctrOk(
              d,
              [
                'run',
                '--rm',
                '--log-uri',
                `binary://${logger}?dest=${base}`,
                image,
                id,
                'sh',
                '-c',
                'echo bin-out; echo bin-err >&2',
              ],
              { timeoutMs: 60_000 },
            );
            await eventually(
              () => existsSync(`${base}.done`),
              (done) => done,
            );
            assert.equal(readFileSync(`${base}.out`, 'utf8'), 'bin-out\n');
            assert.equal(readFileSync(`${base}.err`, 'utf8'), 'bin-err\n');
            assert.equal(readFileSync(`${base}.env`, 'utf8'), `dest ${id} ${d.namespace}\n`);
          } finally {
            dir.remove();
          }
        },
      );

      shimTest(shared, 'runc is invoked through the binary given with --runc-binary', async (d, image) => {
        const dir = tempDir('tsshim-runc-');
        try {
          const calls = join(dir.path, 'calls');
          const wrapper = writeExecutable(
            join(dir.path, 'runc-wrapper'),
            ['#!/bin/sh', `echo "$*" >> ${calls}`, 'exec /usr/sbin/runc "$@"', ''].join('\n'),
          );
          const id = shared.id('wrapped');
          const out = await ctrOk(
            d,
            ['run', '--rm', '--runc-binary', wrapper, image, id, 'echo', 'through-wrapper'],
            { timeoutMs: 60_000 },
          );
          assert.equal(out, 'through-wrapper\n');
          const recorded = lines(readFileSync(calls, 'utf8'));
          const subcommands = recorded.map((line) => {
            // global flags first (--root R --log L --log-format json ...), then the subcommand
            const words = line.split(' ');
            for (let i = 0; i < words.length; i++) {
              const w = words[i] ?? '';
              if (!w.startsWith('-')) return w;
              if (!w.includes('=') && ['--root', '--log', '--log-format', '--criu'].includes(w)) i++;
            }
            return '';
          });
          for (const sub of ['create', 'start', 'delete']) {
            assert.ok(
              subcommands.includes(sub),
              `runc ${sub} went through the wrapper: ${recorded.join('\n')}`,
            );
          }
          assert.ok(
            recorded.some((line) => line.endsWith(` ${id}`) && line.includes('create')),
            'create names the container',
          );
        } finally {
          dir.remove();
        }
      });

      shimTest(
        shared,
        'a command that cannot start fails with runc’s message and leaves no shim',
        async (d, image) => {
          const id = shared.id('bad');
          const res = await ctrFails(d, ['run', '--rm', image, id, 'nosuchbinary'], {
            timeoutMs: 60_000,
          });
          assert.match(res.stderr, /OCI runtime create failed/);
          assert.match(res.stderr, /"nosuchbinary": executable file not found/);
          assert.deepEqual(await listTasks(d), []);
          const left = await d.leftovers(15_000);
          // Sockets are host-wide: judge only the one this container's shim binds.
          const socket = socketPath(socketAddress(d.address, d.namespace, id));
          assertClean(
            { ...left, sockets: left.sockets.filter((s) => s === socket) },
            'after the failed create',
          );
          assert.equal(existsSync(socket), false);
          assert.deepEqual(shimProcesses(d), []);
        },
      );
    },
  );
}
