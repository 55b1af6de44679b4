// `tsshim run`, the README's first command: a container through the shim with no containerd.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, repoRoot } from '../../helpers/rootfs.ts';

const tsshim = join(repoRoot, 'bin', 'tsshim');

function run(
  args: string[],
  input = '',
  env: NodeJS.ProcessEnv = process.env,
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(tsshim, ['run', ...args], { input, encoding: 'utf8', timeout: 60_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function shimProcesses(id: string): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map((p) => {
      try {
        return spawnSync('cat', [`/proc/${p}/cmdline`], { encoding: 'utf8' }).stdout.replaceAll('\0', ' ');
      } catch {
        return '';
      }
    })
    .filter((cmd) => cmd.includes('containerd-shim-tsshim-v2') && cmd.includes(`-id ${id}`));
}

describe('tsshim run', () => {
  const rootfs = busyboxRootfs();

  test('relays stdout, stderr and the exit code, and leaves no shim, socket or temp dir', async () => {
    // a private TMPDIR, so other runs on the machine cannot make its temp dirs look leaked
    const tmp = mkdtempSync(join(tmpdir(), 'tsshim-cli-tmp-'));
    const r = run(
      ['--rootfs', rootfs, '--id', 'cli-run-1', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7'],
      '',
      { ...process.env, TMPDIR: tmp },
    );
    assert.equal(r.code, 7, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(shimProcesses('cli-run-1'), []);
    const left = readdirSync(tmp);
    rmSync(tmp, { recursive: true, force: true });
    assert.deepEqual(left, [], 'its temp dir is removed');
  });

  test('passes stdin through and the container sees its end', () => {
    const r = run(['--rootfs', rootfs, '--', 'sh', '-c', 'cat; echo done'], 'line one\nline two\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'line one\nline two\ndone\n');
  });

  test('--events prints the task events the shim published, in order', () => {
    const r = run(['--rootfs', rootfs, '--events', '--id', 'cli-events', '--', 'true']);
    assert.equal(r.code, 0, r.stderr);
    const topics = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('/tasks/'))
      .map((l) => l.split(' ')[0]);
    assert.deepEqual(topics, ['/tasks/create', '/tasks/start', '/tasks/exit', '/tasks/delete']);
    assert.match(r.stderr, /\/tasks\/exit .*"container_id":"cli-events"/);
  });

  test('runs an OCI bundle, with CMD replacing its args', () => {
    const bundle = mkdtempSync(join(tmpdir(), 'tsshim-cli-bundle-'));
    try {
      const spec = spawnSync(
        join(repoRoot, 'bin', 'tsshim'),
        ['spec', '--bundle', bundle, '--rootfs', rootfs],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(spec.status, 0, spec.stderr);
      const r = run(['--bundle', bundle, '--', 'sh', '-c', 'echo from-bundle; exit 3']);
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stdout, 'from-bundle\n');
    } finally {
      rmSync(bundle, { recursive: true, force: true });
    }
  });

  test("a command that cannot start fails with runc's reason and leaves no shim behind", async () => {
    const r = run(['--rootfs', rootfs, '--id', 'cli-bad', '--', 'no-such-binary']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no-such-binary.*executable file not found/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(shimProcesses('cli-bad'), []);
  });

  test('SIGTERM to tsshim run is forwarded to the container (pid 1 traps it)', async () => {
    const child = spawn(
      tsshim,
      ['run', '--rootfs', rootfs, '--', 'sh', '-c', 'trap "exit 42" TERM; sleep 61 & wait'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // wait until the container runs: its sleep shows up as a process
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && spawnSync('pgrep', ['-f', '^sleep 61$']).status !== 0)
      await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 42, stderr);
  });

  test('usage errors exit 2 and say what is wrong', () => {
    const r = run(['--', 'true']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /exactly one of --rootfs and --bundle/);
  });

  test('--runtime chooses the runc-compatible binary (a wrapper that records its calls)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsshim-cli-rt-'));
    try {
      const record = join(dir, 'calls');
      const wrapper = join(dir, 'myruntime');
      writeFileSync(wrapper, `#!/bin/sh\necho "$*" >> ${record}\nexec runc "$@"\n`, { mode: 0o755 });
      mkdirSync(join(dir, 'x'));
      const r = run(['--rootfs', rootfs, '--runtime', wrapper, '--', 'echo', 'via-wrapper']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'via-wrapper\n');
      assert.ok(existsSync(record));
      const calls = spawnSync('cat', [record], { encoding: 'utf8' }).stdout;
      assert.match(calls, / create --bundle /);
      assert.match(calls, / start /);
      assert.match(calls, / delete /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
