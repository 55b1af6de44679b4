// Typed client of the runc CLI (or a runc-compatible runtime such as crun). The only place that starts runc.
import { SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { rm, stat, writeFile } from '../fs/callback-promises.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type RunOptions, type RunResult } from '../spawn/index.ts';
import {
  checkpointArgs,
  createArgs,
  deleteArgs,
  execArgs,
  featuresArgs,
  globalArgs,
  killArgs,
  pauseArgs,
  psArgs,
  restoreArgs,
  resumeArgs,
  startArgs,
  stateArgs,
  updateArgs,
} from './args.ts';
import { RuncError, runtimeReason } from './errors.ts';
import { lastLoggedError, logSize, readLogSince } from './log.ts';
import { parsePids, parseState, readPidFile } from './parse.ts';
import type {
  CheckpointOpts,
  CreateOpts,
  DeleteOpts,
  ExecOpts,
  IoFds,
  KillOpts,
  RestoreOpts,
  RuncOptions,
  RuncState,
} from './types.ts';

type Stdio = NonNullable<RunOptions['stdio']>;

/** Unset fds become /dev/null: the container inherits runc's stdio, and a capture pipe held open by a
 *  long-lived container would keep the invocation from ever completing. */
function containerStdio(io: IoFds | undefined): Stdio {
  return { stdin: io?.stdin ?? 'ignore', stdout: io?.stdout ?? 'ignore', stderr: io?.stderr ?? 'ignore' };
}

function runtimeEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  // runc would otherwise report readiness to systemd on the shim's behalf.
  const { NOTIFY_SOCKET: _dropped, ...rest } = env;
  return rest;
}

function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

export type Runner = (file: string, args: readonly string[], opts: RunOptions) => Promise<RunResult>;

interface Invocation {
  stdio?: Stdio;
  input?: string;
  extraFds?: number[];
}

let processFileSeq = 0;

export class Runc {
  readonly binary: string;
  private readonly opts: RuncOptions;
  private readonly env: Record<string, string | undefined>;
  private readonly tracer: Tracer;
  private readonly run: Runner;

  constructor(opts: RuncOptions = {}) {
    this.opts = opts;
    this.run = opts.runner ?? run;
    this.binary = opts.binary || 'runc';
    this.env = runtimeEnv(opts.env ?? process.env);
    this.tracer = opts.tracer ?? trace.getTracer('tsshim.runc');
  }

  async create(id: string, o: CreateOpts): Promise<void> {
    await this.invoke('create', createArgs(id, o), { stdio: containerStdio(o.io), extraFds: o.extraFds });
  }

  async start(id: string): Promise<void> {
    await this.invoke('start', startArgs(id));
  }

  /** Runs `exec --process <file>`; `spec` is the OCI Process object, written to a private temp file. */
  async exec(id: string, spec: object, o: ExecOpts): Promise<void> {
    const dir = o.tmpDir ?? (process.env.XDG_RUNTIME_DIR || tmpdir());
    // unique by pid and counter ('wx' refuses a clobber); no node:crypto, which would cost the shim memory for its whole life
    const file = join(dir, `runc-process${process.pid}-${Date.now().toString(36)}-${++processFileSeq}`);
    await writeFile(file, JSON.stringify(spec), { mode: 0o600, flag: 'wx' });
    try {
      await this.invoke('exec', execArgs(id, file, o), { stdio: containerStdio(o.io) });
    } finally {
      await rm(file, { force: true });
    }
  }

  async kill(id: string, signal: number, o: KillOpts = {}): Promise<void> {
    await this.invoke('kill', killArgs(id, signal, o));
  }

  async delete(id: string, o: DeleteOpts = {}): Promise<void> {
    await this.invoke('delete', deleteArgs(id, o));
  }

  async pause(id: string): Promise<void> {
    await this.invoke('pause', pauseArgs(id));
  }

  async resume(id: string): Promise<void> {
    await this.invoke('resume', resumeArgs(id));
  }

  /** `resources` is an OCI LinuxResources object. */
  async update(id: string, resources: object): Promise<void> {
    await this.invoke('update', updateArgs(id), { input: JSON.stringify(resources) });
  }

  async ps(id: string): Promise<number[]> {
    return parsePids((await this.invoke('ps', psArgs(id))).stdout);
  }

  async state(id: string): Promise<RuncState> {
    return parseState((await this.invoke('state', stateArgs(id))).stdout);
  }

  async checkpoint(id: string, o: CheckpointOpts): Promise<void> {
    await this.invoke('checkpoint', checkpointArgs(id, o));
  }

  /** Restores detached and returns the pid the runtime wrote to the pid file. */
  async restore(id: string, o: RestoreOpts): Promise<number> {
    await this.invoke('restore', restoreArgs(id, o), { stdio: containerStdio(o.io) });
    return readPidFile(o.pidFile);
  }

  /** Raw JSON of `<binary> features` (no global flags), or undefined when the runtime cannot answer
   *  (e.g. crun < 1.9 or runc < 1.1). A binary that cannot be started at all still rejects. */
  async features(): Promise<string | undefined> {
    const res = await this.traced('features', featuresArgs(), () =>
      this.launch(featuresArgs(), { env: this.env, stdio: { stdin: 'ignore' } }),
    );
    return res.exitCode === 0 && !res.signal ? res.stdout : undefined;
  }

  readPidFile(path: string): Promise<number> {
    return readPidFile(path);
  }

  /** Starts the runtime in the configured working directory. A late call (a kill or delete after containerd
   *  removed the bundle) runs in `/` instead: a missing working directory fails the spawn with ENOENT, which
   *  would read as a missing runtime. */
  private async launch(args: readonly string[], opts: RunOptions): Promise<RunResult> {
    const cwd = this.opts.cwd;
    if (cwd === undefined) return this.run(this.binary, args, opts);
    try {
      return await this.run(this.binary, args, { ...opts, cwd });
    } catch (err) {
      if (cwd === '/' || (await isDirectory(cwd))) throw err;
      return this.run(this.binary, args, { ...opts, cwd: '/' });
    }
  }

  /** One span per runtime invocation, named `runc <command>`, a child of whatever span is active. */
  private traced(command: string, args: string[], fn: () => Promise<RunResult>): Promise<RunResult> {
    const attributes = { 'runc.binary': this.binary, 'runc.command': command, 'runc.args': args };
    return this.tracer.startActiveSpan(`runc ${command}`, { attributes }, async (span: Span) => {
      try {
        const res = await fn();
        span.setAttribute('process.exit_code', res.exitCode);
        if (res.signal) span.setAttribute('runc.signal', res.signal);
        if (res.exitCode !== 0 || res.signal)
          span.setStatus({ code: SpanStatusCode.ERROR, message: `exit status ${res.exitCode}` });
        return res;
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    });
  }

  private async invoke(command: string, args: string[], inv: Invocation = {}): Promise<RunResult> {
    const log = this.opts.log;
    const offset = log ? await logSize(log) : 0;
    const runOpts: RunOptions = {
      env: this.env,
      stdio: inv.stdio ?? (inv.input === undefined ? { stdin: 'ignore' } : {}),
    };
    if (inv.input !== undefined) runOpts.input = inv.input;
    if (inv.extraFds && inv.extraFds.length > 0) runOpts.extraFds = inv.extraFds;
    const argv = [...globalArgs(this.opts), ...args];
    const res = await this.traced(command, argv, () => this.launch(argv, runOpts));
    if (res.exitCode === 0 && !res.signal) return res;
    // Without --log the runtime writes its (possibly JSON) log lines to stderr.
    const logged = lastLoggedError(log ? await readLogSince(log, offset) : res.stderr);
    throw new RuncError(command, res.exitCode, runtimeReason(logged, res.stderr, res.exitCode, res.signal));
  }
}
