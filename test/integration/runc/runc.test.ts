// The Runc wrapper against the real runtimes installed on the machine (runc 1.1.5, crun).
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Runc, RuncError, isContainerNotExist, isProcessAlreadyFinished } from '../../../src/runc/index.ts';

const APPLETS = ['sh', 'sleep', 'echo', 'cat', 'true'];

function hasBinary(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Pipe {
  readFd: number;
  writeFd: number;
}

/** A real pipe from the native addon when it is built, else a FIFO (same fd semantics for runc). */
async function makePipe(dir: string): Promise<Pipe> {
  try {
    const { native } = await import('../../../src/native/index.ts');
    const [readFd, writeFd] = native().pipe();
    return { readFd, writeFd };
  } catch {
    const path = join(dir, `fifo-${randomBytes(4).toString('hex')}`);
    execFileSync('mkfifo', [path]);
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(path, constants.O_WRONLY);
    return { readFd, writeFd };
  }
}

/** Collects what is written to the pipe; `waitFor` resolves once the text contains `s`. */
function reader(fd: number): { waitFor(s: string): Promise<string>; close(): void } {
  const sock = new Socket({ fd, readable: true, writable: false });
  let text = '';
  const waiters: Array<() => void> = [];
  sock.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const w of waiters.splice(0)) w();
  });
  sock.on('error', () => {});
  return {
    waitFor(s: string) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${s}; got ${text}`)), 20_000);
        const check = () => {
          if (text.includes(s)) {
            clearTimeout(timer);
            resolve(text);
          } else waiters.push(check);
        };
        check();
      });
    },
    close() {
      sock.destroy();
    },
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

const work = mkdtempSync(join(tmpdir(), 'tsshim-runc-it-'));
const rootfs = join(work, 'rootfs');

before(() => {
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  for (const d of ['proc', 'sys', 'dev', 'tmp', 'etc']) mkdirSync(join(rootfs, d));
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  for (const a of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', a));
});

after(() => {
  rmSync(work, { recursive: true, force: true });
});

interface ProcessSpec {
  terminal: boolean;
  args: string[];
  [k: string]: unknown;
}

/** `runc spec` in a fresh bundle dir, then: no terminal, our args, the shared absolute rootfs. */
function makeBundle(name: string, args: string[]): { bundle: string; process: ProcessSpec } {
  const bundle = join(work, name);
  mkdirSync(bundle);
  execFileSync('runc', ['spec'], { cwd: bundle });
  const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as {
    process: ProcessSpec;
    root: { path: string; readonly: boolean };
  };
  config.process.terminal = false;
  config.process.args = args;
  config.root = { path: rootfs, readonly: true };
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  return { bundle, process: config.process };
}

function uniqueId(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

for (const binary of ['runc', 'crun'] as const) {
  describe(
    `Runc wrapper with ${binary}`,
    { skip: hasBinary(binary) ? false : `${binary} not installed` },
    () => {
      const root = join(work, `state-${binary}`);
      const created: Array<{ runc: Runc; id: string }> = [];

      function client(bundle: string): Runc {
        return new Runc({ binary, root, log: join(bundle, 'log.json'), logFormat: 'json' });
      }

      after(async () => {
        for (const { runc, id } of created) await runc.delete(id, { force: true }).catch(() => {});
        rmSync(root, { recursive: true, force: true });
      });

      test('features', async () => {
        let supported = true;
        try {
          execFileSync(binary, ['features'], { stdio: 'ignore' });
        } catch {
          supported = false;
        }
        const json = await new Runc({ binary, root: '/nonexistent-root-must-not-be-passed' }).features();
        if (!supported) {
          assert.equal(json, undefined);
          return;
        }
        assert.ok(json !== undefined);
        const features = JSON.parse(json) as { ociVersionMin?: unknown };
        assert.equal(typeof features.ociVersionMin, 'string');
      });

      test('features of a binary that does not exist rejects', async () => {
        await assert.rejects(new Runc({ binary: `${binary}-no-such-binary` }).features());
      });

      test('create, start, ps, pause/resume, update, exec, kill, delete', async (t: TestContext) => {
        const id = uniqueId('life');
        const { bundle, process: spec } = makeBundle(id, [
          'sh',
          '-c',
          'echo init-says-hello; exec sleep 1000',
        ]);
        const runc = client(bundle);
        const out = await makePipe(work);
        const output = reader(out.readFd);
        try {
          const pidFile = join(bundle, 'init.pid');
          try {
            await runc.create(id, { bundle, pidFile, io: { stdout: out.writeFd, stderr: out.writeFd } });
          } catch (err) {
            // crun refuses cgroup v1+v2 hybrid hosts; nothing the wrapper can change.
            if (err instanceof RuncError && /hybrid mode not supported/.test(err.runtimeMessage)) {
              t.skip(`${binary} cannot create containers on this host: ${err.runtimeMessage}`);
              return;
            }
            throw err;
          }
          created.push({ runc, id });
          closeSync(out.writeFd);
          out.writeFd = -1;

          const pid = await runc.readPidFile(pidFile);
          assert.ok(pid > 0);
          const st = await runc.state(id);
          assert.equal(st.status, 'created');
          assert.equal(st.pid, pid);
          assert.equal(st.id, id);

          await runc.start(id);
          await output.waitFor('init-says-hello');
          assert.equal((await runc.state(id)).status, 'running');
          assert.ok((await runc.ps(id)).includes(pid));

          await runc.pause(id);
          assert.equal((await runc.state(id)).status, 'paused');
          await runc.resume(id);
          assert.equal((await runc.state(id)).status, 'running');

          await runc.update(id, { pids: { limit: 123 } });
          const pidsLine = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
            .split('\n')
            .find((l) => /^\d+:pids:/.test(l));
          if (pidsLine) {
            const max = join('/sys/fs/cgroup/pids', pidsLine.split(':')[2] ?? '', 'pids.max');
            if (existsSync(max)) assert.equal(readFileSync(max, 'utf8').trim(), '123');
          }
          await assert.rejects(runc.update(id, { memory: { limit: -5, swap: 1 } }), RuncError);

          const execOut = await makePipe(work);
          const execOutput = reader(execOut.readFd);
          const tmpDir = join(work, `exec-tmp-${id}`);
          mkdirSync(tmpDir);
          try {
            const execPidFile = join(bundle, 'e1.pid');
            await runc.exec(
              id,
              { ...spec, args: ['sh', '-c', 'echo exec-says-hi; exec sleep 1000'] },
              { pidFile: execPidFile, io: { stdout: execOut.writeFd, stderr: execOut.writeFd }, tmpDir },
            );
            closeSync(execOut.writeFd);
            execOut.writeFd = -1;
            // The process file is removed once runc has read it.
            assert.deepEqual(readdirSync(tmpDir), []);
            const execPid = await runc.readPidFile(execPidFile);
            assert.notEqual(execPid, pid);
            await execOutput.waitFor('exec-says-hi');
            const pids = await runc.ps(id);
            assert.ok(pids.includes(pid) && pids.includes(execPid), `ps ${JSON.stringify(pids)}`);
          } finally {
            execOutput.close();
            if (execOut.writeFd >= 0) closeSync(execOut.writeFd);
          }

          await runc.kill(id, 9, { all: true });
          await until('the container to stop', async () =>
            (await runc.state(id)).status === 'stopped' ? true : undefined,
          );
          await until('the init pid to go', async () => (pidAlive(pid) ? undefined : true));

          const killStopped = await runc.kill(id, 15).then(
            () => undefined,
            (e: unknown) => e,
          );
          if (binary === 'runc') {
            assert.ok(killStopped instanceof RuncError);
            assert.ok(isProcessAlreadyFinished(killStopped), String(killStopped));
          }

          await runc.delete(id);
          const gone = await runc.state(id).then(
            () => undefined,
            (e: unknown) => e,
          );
          assert.ok(gone instanceof RuncError);
          assert.equal(gone.command, 'state');
          if (binary === 'runc') assert.ok(isContainerNotExist(gone));
        } finally {
          output.close();
          if (out.writeFd >= 0) closeSync(out.writeFd);
        }
      });

      test('create with a missing executable reports the runtime reason', async () => {
        const id = uniqueId('bad');
        const { bundle } = makeBundle(id, ['nosuchbinary']);
        const runc = client(bundle);
        created.push({ runc, id });
        const err = await runc.create(id, { bundle, pidFile: join(bundle, 'init.pid') }).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof RuncError, String(err));
        assert.equal(err.command, 'create');
        assert.notEqual(err.exitCode, 0);
        assert.match(err.message, /^OCI runtime create failed: /);
        if (binary === 'runc') {
          assert.match(err.runtimeMessage, /exec: "nosuchbinary": executable file not found in \$PATH/);
        } else if (!/hybrid mode not supported/.test(err.runtimeMessage)) {
          assert.match(err.runtimeMessage, /nosuchbinary/);
        }
        assert.ok(err.message.endsWith(err.runtimeMessage));
      });

      test('kill of a container that does not exist', async () => {
        const id = uniqueId('missing');
        const runc = new Runc({ binary, root, log: join(work, `${id}.log.json`), logFormat: 'json' });
        const err = await runc.kill(id, 9).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof RuncError, String(err));
        assert.equal(err.command, 'kill');
        assert.ok(err.runtimeMessage.length > 0);
        if (binary === 'runc') {
          assert.equal(err.runtimeMessage, 'container does not exist');
          assert.ok(isContainerNotExist(err));
          assert.ok(!isProcessAlreadyFinished(err));
        } else {
          assert.ok(err.runtimeMessage.includes(id), err.runtimeMessage);
        }
      });

      test('a failure reports only the error of this invocation', async () => {
        const id = uniqueId('twice');
        const log = join(work, `${id}.log.json`);
        writeFileSync(log, '{"level":"error","msg":"an old failure from another call"}\n');
        const runc = new Runc({ binary, root, log, logFormat: 'json' });
        const err = await runc.pause(id).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof RuncError);
        assert.ok(!err.runtimeMessage.includes('an old failure'), err.runtimeMessage);
        assert.match(err.message, /^OCI runtime pause failed: /);
      });
    },
  );
}
