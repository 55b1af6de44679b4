// On this host's real cgroup v1: an OOM kill seen through the eventfd on memory.oom_control (one eventfd, no
// thread, closed when stopped or when the cgroup goes), stats of a live cgroup, and shim_cgroup placement.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { decode } from '../../../src/api/codec.ts';
import { isUnified, loadCgroupOfPid, METRICS_V1, moveProcessToCgroup } from '../../../src/cgroups/index.ts';

const ROOT = '/sys/fs/cgroup';
const skip =
  isUnified(ROOT) || !existsSync(join(ROOT, 'memory')) ? 'needs a cgroup v1 memory hierarchy' : false;
const name = `tsshim-cgtest-${randomBytes(4).toString('hex')}`;
const HIERARCHIES = ['memory', 'pids', 'cpu', 'cpuacct', 'systemd'];
const children: ChildProcess[] = [];

function eventfdCount(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[eventfd]';
    } catch {
      return false;
    }
  }).length;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function removeCgroup(dir: string): Promise<void> {
  for (let i = 0; i < 50 && existsSync(dir); i++) {
    try {
      rmdirSync(dir);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50)); // tasks still leaving
    }
  }
}

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map(exited));
  for (const h of HIERARCHIES) await removeCgroup(join(ROOT, h, name));
});

function makeCgroup(hierarchies: string[]): void {
  for (const h of hierarchies)
    if (existsSync(join(ROOT, h))) mkdirSync(join(ROOT, h, name), { recursive: true });
}

/** a child that enters our memory cgroup and then runs `args` */
function spawnInMemoryCgroup(args: string[]): ChildProcess {
  const procs = join(ROOT, 'memory', name, 'cgroup.procs');
  const child = spawn('sh', ['-c', `echo $$ > ${procs} && exec "$@"`, 'sh', ...args], { stdio: 'ignore' });
  children.push(child);
  return child;
}

describe('real cgroup v1', { skip }, () => {
  test('stats of a live memory cgroup carry its limit and usage', async () => {
    makeCgroup(['memory']);
    writeFileSync(join(ROOT, 'memory', name, 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
    const child = spawnInMemoryCgroup(['sleep', '60']);
    let pid = 0;
    for (let i = 0; i < 100 && pid === 0; i++) {
      const line = readFileSync(`/proc/${child.pid}/cgroup`, 'utf8')
        .split('\n')
        .find((l) => l.includes(':memory:'));
      if (line?.endsWith(`/${name}`)) pid = child.pid!;
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(pid > 0, 'the child entered the cgroup');
    const any = await loadCgroupOfPid(pid).stats();
    assert.equal(any.type_url, METRICS_V1);
    const m = decode<{ memory: { usage: { limit: number; usage: number } } }>(METRICS_V1, any.value);
    assert.equal(m.memory.usage.limit, 64 * 1024 * 1024);
    assert.ok(m.memory.usage.usage > 0);
    child.kill('SIGKILL');
    await exited(child);
  });

  test('an OOM kill is reported once through the eventfd, which is closed by stop()', async () => {
    makeCgroup(['memory']);
    writeFileSync(join(ROOT, 'memory', name, 'memory.limit_in_bytes'), String(16 * 1024 * 1024));
    const sleeper = spawnInMemoryCgroup(['sleep', '60']);
    await new Promise((resolve) => setTimeout(resolve, 200)); // let it enter before loading its cgroup
    const before = eventfdCount();
    const cg = loadCgroupOfPid(sleeper.pid!);
    let ooms = 0;
    let resolveOom: () => void = () => {};
    const oom = new Promise<void>((resolve) => (resolveOom = resolve));
    const stop = cg.watchOOM(() => {
      ooms++;
      resolveOom();
    });
    assert.equal(eventfdCount(), before + 1, 'one eventfd for the watch');
    // dd fills a 64 MiB buffer from /dev/zero: the kernel OOM-kills it
    const hog = spawnInMemoryCgroup(['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
    await Promise.race([
      oom,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no OOM notification')), 30_000)),
    ]);
    await exited(hog);
    assert.equal(hog.signalCode, 'SIGKILL');
    assert.equal(ooms, 1);
    stop();
    assert.equal(eventfdCount(), before, 'the eventfd is closed');
    sleeper.kill('SIGKILL');
    await exited(sleeper);
  });

  test('removing the cgroup ends the watch on its own (no OOM reported)', async () => {
    const other = `${name}-gone`;
    const dir = join(ROOT, 'memory', other);
    mkdirSync(dir);
    const child = spawn('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && exec sleep 60`], { stdio: 'ignore' });
    children.push(child);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = eventfdCount();
    let ooms = 0;
    const stop = loadCgroupOfPid(child.pid!).watchOOM(() => ooms++);
    assert.equal(eventfdCount(), before + 1);
    child.kill('SIGKILL');
    await exited(child);
    await removeCgroup(dir);
    for (let i = 0; i < 100 && eventfdCount() > before; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(eventfdCount(), before, 'the removal notification closed the eventfd');
    assert.equal(ooms, 0);
    stop();
  });

  test('shim_cgroup: a process is moved into the path in every hierarchy that has it', async () => {
    makeCgroup(HIERARCHIES);
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(child);
    moveProcessToCgroup(child.pid!, `/${name}`);
    const lines = readFileSync(`/proc/${child.pid}/cgroup`, 'utf8').split('\n');
    for (const h of HIERARCHIES) {
      const key = h === 'systemd' ? 'name=systemd' : h;
      const line = lines.find((l) => l.split(':')[1]?.split(',').includes(key));
      assert.equal(line?.split(':')[2], `/${name}`, `${h}: ${line}`);
    }
    child.kill('SIGKILL');
    await exited(child);
  });
});
