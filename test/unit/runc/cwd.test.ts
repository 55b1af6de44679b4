// Where the runtime starts: every invocation in the container's bundle, and in `/` once the bundle is gone.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runc } from '../../../src/runc/index.ts';
import type { RunOptions, RunResult } from '../../../src/spawn/index.ts';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'runc-cwd-test-')));
after(() => rmSync(dir, { recursive: true, force: true }));

const ok: RunResult = { exitCode: 0, stdout: '', stderr: '' };

/** A Runc whose runner records the working directory of each call instead of starting anything. */
function recording(cwd?: string): { runc: Runc; cwds: (string | undefined)[] } {
  const cwds: (string | undefined)[] = [];
  const runner = (_file: string, _args: readonly string[], opts: RunOptions): Promise<RunResult> => {
    cwds.push(opts.cwd);
    return Promise.resolve(ok);
  };
  return { runc: new Runc({ runner, ...(cwd === undefined ? {} : { cwd }), env: {} }), cwds };
}

describe('Runc working directory', () => {
  test('every invocation is started in the configured directory (the bundle)', async () => {
    const bundle = join(dir, 'bundle');
    mkdirSync(bundle);
    const { runc, cwds } = recording(bundle);
    await runc.start('c1');
    await runc.kill('c1', 9);
    await runc.pause('c1');
    await runc.resume('c1');
    await runc.update('c1', {});
    await runc.ps('c1');
    await runc.delete('c1', { force: true });
    await runc.features();
    assert.deepEqual(
      cwds,
      Array.from({ length: 8 }, () => bundle),
    );
  });

  test('without a directory the runner is given none (the caller’s applies)', async () => {
    const { runc, cwds } = recording();
    await runc.kill('c1', 15);
    assert.deepEqual(cwds, [undefined]);
  });

  test('a bundle that is gone: the call runs in / instead of failing as a missing runtime', async () => {
    const record = join(dir, 'pwd');
    const binary = join(dir, 'fake-runc');
    writeFileSync(binary, `#!/bin/sh\npwd -P > '${record}'\n`);
    chmodSync(binary, 0o755);
    const bundle = join(dir, 'removed-bundle');
    mkdirSync(bundle);
    const runc = new Runc({ binary, cwd: bundle, env: { PATH: process.env.PATH } });

    await runc.kill('c1', 9);
    assert.equal(readFileSync(record, 'utf8'), `${bundle}\n`);

    rmSync(bundle, { recursive: true });
    await runc.kill('c1', 9);
    assert.equal(readFileSync(record, 'utf8'), '/\n');
  });

  test('a runtime that cannot be started is still reported as such, whatever the directory', async () => {
    const runc = new Runc({ binary: 'no-such-runtime', cwd: join(dir, 'gone'), env: { PATH: dir } });
    await assert.rejects(runc.kill('c1', 9), /exec: "no-such-runtime": executable file not found in \$PATH/);
  });
});
