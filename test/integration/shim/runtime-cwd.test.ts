// Where the shim starts the runtime, through real containerd daemons: runc and any runtime named by
// binary_name (wrappers, vendor runtimes) start in their container's bundle, as with containerd's own shim,
// and read `config.json` or `init.pid` relative to it. A wrapper given with --runc-binary records the
// working directory and argv of every invocation, then hands over to the real runc.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Containerd } from '../../helpers/containerd.ts';
import { skipReason } from '../../helpers/containerd.ts';
import { subcommandOf } from '../checkpoint/runc-recorder.ts';
import {
  ctrOk,
  sharedDaemon,
  shimProcesses,
  shimTest,
  shimTestVersions,
  tempDir,
  waitForStatus,
  writeExecutable,
} from './helpers.ts';

const SANDBOX_ANNOTATION = 'io.kubernetes.cri.sandbox-id';

interface Invocation {
  cwd: string;
  argv: string[];
}

interface Recorder {
  binary: string;
  calls(): Invocation[];
  remove(): void;
}

function cwdRecorder(): Recorder {
  const dir = tempDir('tsshim-runtime-cwd-');
  const record = join(dir.path, 'calls');
  // one line per invocation: the physical working directory, then each argument, NUL-terminated
  const binary = writeExecutable(
    join(dir.path, 'runc'),
    [
      '#!/bin/sh',
      `{ printf '%s\\000' "$(pwd -P)"; for a in "$@"; do printf '%s\\000' "$a"; done; printf '\\n'; } >> '${record}'`,
      'exec /usr/sbin/runc "$@"',
      '',
    ].join('\n'),
  );
  return {
    binary,
    calls: () =>
      existsSync(record)
        ? readFileSync(record, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => {
              const [cwd = '', ...argv] = line.split('\0').slice(0, -1);
              return { cwd, argv };
            })
        : [],
    remove: dir.remove,
  };
}

/** The invocations that name container `id` after their subcommand. */
function callsFor(calls: Invocation[], id: string): Invocation[] {
  return calls.filter(({ argv }) => {
    const sub = subcommandOf(argv);
    return sub !== undefined && argv.slice(argv.indexOf(sub) + 1).includes(id);
  });
}

/** The bundle containerd gave the container, as the shim passed it to `runc create --bundle`. */
function bundleOf(calls: Invocation[], id: string): string {
  const create = callsFor(calls, id).find(({ argv }) => subcommandOf(argv) === 'create');
  assert.ok(create, `runc create ${id} went through the wrapper`);
  const bundle = create.argv[create.argv.indexOf('--bundle') + 1] ?? '';
  assert.ok(bundle.endsWith(`/${id}`), `bundle of ${id}: ${bundle}`);
  return bundle;
}

function assertRanIn(calls: Invocation[], bundle: string, what: string): void {
  const elsewhere = calls.filter((c) => c.cwd !== bundle);
  assert.deepEqual(
    elsewhere.map((c) => `${c.cwd}: ${c.argv.join(' ')}`),
    [],
    `every runtime call for ${what} runs in ${bundle}`,
  );
}

function subcommands(calls: Invocation[]): string[] {
  return [...new Set(calls.map(({ argv }) => subcommandOf(argv) ?? ''))].sort();
}

async function killAndDelete(d: Containerd, id: string): Promise<void> {
  await ctrOk(d, ['tasks', 'kill', '--signal', 'SIGKILL', id]);
  await waitForStatus(d, id, 'STOPPED');
  await ctrOk(d, ['tasks', 'delete', id]);
  await ctrOk(d, ['containers', 'delete', id]);
}

for (const version of shimTestVersions()) {
  describe(
    `tsshim under containerd ${version}: the runtime's working directory`,
    { skip: skipReason(version), concurrency: false },
    () => {
      const shared = sharedDaemon(version);

      shimTest(shared, 'every runtime call for a container runs in its bundle', async (d, image) => {
        const runtime = cwdRecorder();
        try {
          const id = shared.id('cwd');
          await ctrOk(d, ['run', '-d', '--runc-binary', runtime.binary, image, id, 'sleep', '600'], {
            timeoutMs: 60_000,
          });
          await waitForStatus(d, id, 'RUNNING');
          const out = await ctrOk(d, ['tasks', 'exec', '--exec-id', 'e1', id, 'echo', 'hi'], {
            timeoutMs: 60_000,
          });
          assert.equal(out, 'hi\n');
          await ctrOk(d, ['tasks', 'pause', id]);
          await ctrOk(d, ['tasks', 'resume', id]);
          await ctrOk(d, ['tasks', 'ps', id]);
          await killAndDelete(d, id);

          const calls = callsFor(runtime.calls(), id);
          assert.deepEqual(subcommands(calls), [
            'create',
            'delete',
            'exec',
            'kill',
            'pause',
            'ps',
            'resume',
            'start',
          ]);
          assertRanIn(calls, bundleOf(calls, id), id);
        } finally {
          runtime.remove();
        }
      });

      shimTest(
        shared,
        'in a grouped shim, the second container’s runtime calls run in its own bundle after the first’s is gone',
        async (d, image) => {
          const runtime = cwdRecorder();
          try {
            const sandbox = `${SANDBOX_ANNOTATION}=${shared.id('pod')}`;
            const first = shared.id('cwd-first');
            const second = shared.id('cwd-second');
            for (const id of [first, second]) {
              await ctrOk(
                d,
                [
                  'run',
                  '-d',
                  '--annotation',
                  sandbox,
                  '--runc-binary',
                  runtime.binary,
                  image,
                  id,
                  'sleep',
                  '600',
                ],
                { timeoutMs: 60_000 },
              );
              await waitForStatus(d, id, 'RUNNING');
            }
            assert.equal(shimProcesses(d).length, 1, 'one shim serves the sandbox');
            const firstBundle = bundleOf(runtime.calls(), first);
            const secondBundle = bundleOf(runtime.calls(), second);
            assert.notEqual(firstBundle, secondBundle);

            await killAndDelete(d, first);
            assert.equal(existsSync(firstBundle), false, 'containerd removed the first bundle');
            assert.equal(shimProcesses(d).length, 1, 'the shim lives on for the second container');
            const seen = runtime.calls().length;

            const out = await ctrOk(d, ['tasks', 'exec', '--exec-id', 'late', second, 'echo', 'served'], {
              timeoutMs: 60_000,
            });
            assert.equal(out, 'served\n');
            await killAndDelete(d, second);

            const all = runtime.calls();
            assertRanIn(callsFor(all, first), firstBundle, first);
            assertRanIn(callsFor(all, second), secondBundle, second);
            const late = callsFor(all.slice(seen), second);
            assert.deepEqual(subcommands(late), ['delete', 'exec', 'kill']);
          } finally {
            runtime.remove();
          }
        },
      );
    },
  );
}
