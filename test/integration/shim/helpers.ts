// Shared plumbing for the shim's end-to-end tests: one real containerd (running tsshim) per version and per
// test file, ctr driven as a user would drive it, and observations of what the shim did (events, processes).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { isSpare, listProcesses, isClean, type Leftovers } from '../../helpers/cleanup.ts';
import {
  containerdVersions,
  startContainerd,
  type Containerd,
  type ContainerdVersion,
  type CtrOptions,
  type CtrProcess,
  type CtrResult,
} from '../../helpers/containerd.ts';

/** what `seq 1 n` prints (busybox and coreutils alike) */
export function seqOutput(n: number): string {
  const parts: string[] = [];
  for (let i = 1; i <= n; i++) parts.push(`${i}\n`);
  return parts.join('');
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls read() until done() holds; the timeout is a safety net, the last value is returned either way. */
export async function eventually<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

export interface SharedDaemon {
  /** the daemon of the running file; only valid inside tests */
  readonly daemon: Containerd;
  /** the imported busybox image */
  readonly image: string;
  /** a container id unique within the file */
  id(prefix: string): string;
}

/** Starts one containerd (debug log, tsshim as containerd-shim-runc-v2) for the enclosing describe, imports the
 *  image, removes every task and container after each test (so one failure does not leak into the next) and
 *  stops the daemon at the end. */
export function sharedDaemon(version: ContainerdVersion): SharedDaemon {
  let daemon: Containerd | undefined;
  let image = '';
  let counter = 0;
  before(async () => {
    daemon = await startContainerd(version, { shim: 'tsshim', logLevel: 'debug' });
    image = await daemon.importImage();
  });
  afterEach(async () => {
    if (daemon) await removeEverything(daemon);
  });
  after(async () => {
    await daemon?.stop();
    daemon = undefined;
  });
  return {
    get daemon(): Containerd {
      assert.ok(daemon, 'the daemon is started by the before hook');
      return daemon;
    },
    get image(): string {
      return image;
    },
    id(prefix: string): string {
      counter += 1;
      return `${prefix}-${counter}`;
    },
  };
}

/** A test against the shared daemon that prints the daemon's log (which holds the shim's log) written during
 *  the test when it fails. */
export function shimTest(
  shared: SharedDaemon,
  name: string,
  fn: (daemon: Containerd, image: string) => Promise<void>,
  timeoutMs = 120_000,
): void {
  test(name, { timeout: timeoutMs }, async () => {
    const daemon = shared.daemon;
    const logStart = daemon.log().length;
    try {
      await fn(daemon, shared.image);
    } catch (err) {
      const log = daemon.log().slice(logStart);
      process.stderr.write(
        `--- containerd ${daemon.version} log during "${name}" ---\n${log.slice(-20_000)}\n--- end of log ---\n`,
      );
      throw err;
    }
  });
}

async function removeEverything(daemon: Containerd): Promise<void> {
  const tasks = await daemon.ctr(['tasks', 'list', '--quiet']);
  for (const id of lines(tasks.stdout)) {
    await daemon.ctr(['tasks', 'kill', '--signal', 'SIGKILL', id]);
    await eventually(
      () => taskStatus(daemon, id),
      (s) => s !== 'RUNNING' && s !== 'PAUSED',
      10_000,
    );
    await daemon.ctr(['tasks', 'delete', '--force', id]);
  }
  const containers = await daemon.ctr(['containers', 'list', '--quiet']);
  for (const id of lines(containers.stdout)) await daemon.ctr(['containers', 'delete', id]);
}

export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

function describeResult(args: string[], res: CtrResult): string {
  return `ctr ${args.join(' ')} → code ${res.code}${res.timedOut ? ' (timed out)' : ''}\nstdout: ${res.stdout.slice(0, 2000)}\nstderr: ${res.stderr.slice(0, 2000)}`;
}

/** ctr that must succeed; returns its stdout */
export async function ctrOk(daemon: Containerd, args: string[], opts?: CtrOptions): Promise<string> {
  const res = await daemon.ctr(args, opts);
  assert.equal(res.code, 0, describeResult(args, res));
  return res.stdout;
}

/** ctr that must fail; returns the result for the caller's assertions on the message */
export async function ctrFails(daemon: Containerd, args: string[], opts?: CtrOptions): Promise<CtrResult> {
  const res = await daemon.ctr(args, opts);
  assert.equal(res.timedOut, false, describeResult(args, res));
  assert.notEqual(res.code, 0, describeResult(args, res));
  return res;
}

export interface TaskRow {
  id: string;
  pid: number;
  status: string;
}

export async function listTasks(daemon: Containerd): Promise<TaskRow[]> {
  const out = await ctrOk(daemon, ['tasks', 'list']);
  return lines(out)
    .slice(1)
    .map((line) => {
      const [id = '', pid = '0', status = ''] = line.split(/\s+/);
      return { id, pid: Number(pid), status };
    });
}

export async function taskStatus(daemon: Containerd, id: string): Promise<string | undefined> {
  return (await listTasks(daemon)).find((t) => t.id === id)?.status;
}

export async function waitForStatus(daemon: Containerd, id: string, status: string): Promise<TaskRow> {
  const tasks = await eventually(
    () => listTasks(daemon),
    (all) => all.some((t) => t.id === id && t.status === status),
  );
  const row = tasks.find((t) => t.id === id);
  assert.equal(row?.status, status, `task ${id}: ${JSON.stringify(tasks)}`);
  return row as TaskRow;
}

/** A ctr left running (ctr run without -d, ctr task exec of a long process); output is collected. */
export interface Running {
  readonly child: CtrProcess;
  stdout(): string;
  stderr(): string;
  /** resolves with the exit code (or 128+signal) once ctr exits */
  readonly exited: Promise<number>;
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(): Promise<void>;
}

export function runInBackground(daemon: Containerd, args: string[]): Running {
  const child = daemon.ctrSpawn(args);
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
  child.stdin.on('error', () => undefined);
  const exited = new Promise<number>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15))),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitForStdout(pattern, timeoutMs = 30_000) {
      const seen = await eventually(
        () => out,
        (s) => pattern.test(s) || child.exitCode !== null,
        timeoutMs,
      );
      assert.match(seen, pattern, `ctr ${args.join(' ')} printed no ${pattern}; stderr: ${err}`);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface TaskEvent {
  topic: string;
  namespace: string;
  /** the event body as ctr prints it (JSON of the protobuf message) */
  body: Record<string, unknown>;
}

/** `ctr events`, subscribed before returning (proved by seeing an event this helper caused itself). */
export interface EventWatch {
  events(): TaskEvent[];
  stop(): Promise<void>;
}

const eventLine = /^.*? UTC (\S+) (\/\S+) (.*)$/;

export async function watchEvents(daemon: Containerd): Promise<EventWatch> {
  const running = runInBackground(daemon, ['events']);
  const parsed = (): TaskEvent[] =>
    lines(running.stdout()).flatMap((line) => {
      const m = eventLine.exec(line);
      if (!m) return [];
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(m[3] ?? '{}') as Record<string, unknown>;
      } catch {
        // a body that is not JSON: the topic alone still counts
      }
      return [{ namespace: m[1] ?? '', topic: m[2] ?? '', body }];
    });
  // Labelling the namespace publishes /namespaces/update: once it arrives, the subscription is live.
  const probe = `probe${Date.now()}`;
  const deadline = Date.now() + 20_000;
  while (!parsed().some((e) => e.topic === '/namespaces/update') && Date.now() < deadline) {
    await ctrOk(daemon, ['namespaces', 'label', daemon.namespace, `tsshim.test/probe=${probe}`]);
    await eventually(parsed, (evs) => evs.some((e) => e.topic === '/namespaces/update'), 1_000);
  }
  assert.ok(
    parsed().some((e) => e.topic === '/namespaces/update'),
    `ctr events never delivered the probe event; stderr: ${running.stderr()}`,
  );
  return { events: parsed, stop: () => running.kill() };
}

/** The shim processes of this daemon (node running the shim with -address <daemon socket>), spares aside. */
export function shimProcesses(daemon: Containerd): { pid: number; id: string }[] {
  return listProcesses()
    .filter(
      (p) =>
        p.state !== 'Z' &&
        !isSpare(p) &&
        p.cmdline.includes('containerd-shim-runc-v2') &&
        p.cmdline.includes(`-address ${daemon.address}`),
    )
    .map((p) => ({ pid: p.pid, id: /-id (\S+)/.exec(p.cmdline)?.[1] ?? '' }));
}

/** The spares waiting for a sandbox of this daemon. */
export function spareProcesses(daemon: Containerd): { pid: number; cmdline: string }[] {
  return listProcesses()
    .filter((p) => p.state !== 'Z' && isSpare(p) && p.cmdline.includes(`spare -address ${daemon.address}`))
    .map((p) => ({ pid: p.pid, cmdline: p.cmdline }));
}

export function parentPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

export function assertClean(l: Leftovers, what: string): void {
  assert.ok(isClean(l), `left behind ${what}: ${JSON.stringify(l, null, 2)}`);
}

/** A private temp dir removed by the returned function. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function writeExecutable(path: string, text: string): string {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Runs ctr with a terminal of the given size on its stdin/stdout (script(1) provides the pty), as `ctr run
 *  -t` / `ctr task exec -t` need. Output is what the terminal showed (CRLF line ends). */
export function ctrInTerminal(
  daemon: Containerd,
  args: string[],
  size: { rows: number; cols: number },
  timeoutMs = 60_000,
): Promise<CtrResult> {
  const ctr = [daemon.binaries.ctr, '--address', daemon.address, '--namespace', daemon.namespace, ...args];
  const inner = `stty rows ${size.rows} cols ${size.cols}; exec ${ctr.map(shellQuote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', inner, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    // Keep script's stdin open (an EOF would be typed into the terminal); it ends with the command.
    child.stdin.on('error', () => undefined);
  });
}

/** Every supported containerd, or those listed in TSSHIM_CONTAINERD (e.g. `1.6,2`) to iterate faster. */
export function shimTestVersions(): readonly ContainerdVersion[] {
  const wanted = process.env.TSSHIM_CONTAINERD?.split(',').map((v) => v.trim());
  return wanted ? containerdVersions.filter((v) => wanted.includes(v)) : containerdVersions;
}
