// Container stdio for the shim (reference §6): null IO, FIFOs, file://, binary:// logging binaries, terminals.
import { constants, open } from 'node:fs';
import { mkdir } from '../../fs/callback-promises.ts';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { startLoggingBinary } from './binary-logger.ts';
import { consoleSink, listenConsoleSocket, receiveConsole } from './console.ts';
import {
  copyInput,
  OutputCopy,
  socketSink,
  type ByteSink,
  type OutputSink,
  type OutputSource,
} from './copy.ts';
import { parseOutputTarget, type OutputTarget } from './file-uri.ts';
import { openOutput, openStdinFifo, pipeSocket } from './fifo.ts';
import { makeContainerPipe, type PipePair } from './pipes.ts';
import { IOResources } from './resources.ts';
import type { IOContext, ProcessIO, RuncIo, StdioConfig } from './types.ts';

export type { IOContext, LogFn, LogLevel, ProcessIO, RuncIo, StdioConfig } from './types.ts';
export { parseOutputTarget, type OutputTarget } from './file-uri.ts';

const openFd = promisify(open);

/** drains output nobody asked for (a terminal with no stdout) so the container never blocks on it */
const discardSink: OutputSink = { fd: -1, release: () => {} };

interface Plan {
  runcIo: RuncIo;
  consoleSocket?: string;
  /** runs in start(), after runc returned */
  start: () => Promise<void>;
}

class ProcessIOImpl implements ProcessIO {
  private starting: Promise<void> | undefined;

  constructor(
    private readonly res: IOResources,
    private readonly plan: Plan,
  ) {}

  get runcIo(): RuncIo {
    return this.plan.runcIo;
  }

  get consoleSocket(): string | undefined {
    return this.plan.consoleSocket;
  }

  start(): Promise<void> {
    this.starting ??= this.plan.start();
    return this.starting;
  }

  closeStdin(): void {
    this.res.closeStdin();
  }

  resize(cols: number, rows: number): void {
    this.res.resize(cols, rows);
  }

  async outputDone(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    if (this.starting) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([this.starting.catch(() => {}), timeout]);
      if (timer) clearTimeout(timer);
    }
    await this.res.outputDone(Math.max(0, deadline - Date.now()));
  }

  close(): Promise<void> {
    return this.res.close();
  }
}

class Builder {
  readonly res: IOResources;

  constructor(
    readonly cfg: StdioConfig,
    readonly ctx: IOContext,
  ) {
    this.res = new IOResources(ctx.log);
  }

  pipe(childEnd: 'read' | 'write'): PipePair {
    return makeContainerPipe(this.res.fds, childEnd, this.ctx.ioUid, this.ctx.ioGid);
  }

  /** the shim's copy of an end now held by runc's child: keeping it would hide the container's EOF */
  closeChildEnds(...fds: (number | undefined)[]): void {
    for (const fd of fds) this.res.fds.close(fd);
  }

  copyOutput(name: string, source: OutputSource, sink: OutputSink): OutputCopy {
    const copy = new OutputCopy(source, sink, {
      name: `${this.ctx.id}/${name}`,
      log: this.ctx.log,
      // only a client's FIFO: a logging binary's pipe or a file is never dropped from
      dropLines: this.ctx.dropLinesWhenFull === true && sink.drained !== undefined,
    });
    this.res.outputs.push(copy);
    return copy;
  }

  /** an fd of ours (in the FdSet) as a copy's source or sink, closed when the copy lets it go */
  owned(fd: number): OutputSource & OutputSink {
    return { fd, release: () => this.res.fds.close(fd) };
  }

  writePipe(fd: number): ByteSink {
    return socketSink(pipeSocket(this.res.fds.release(fd), 'write'));
  }

  /** stdin FIFO → sink; the O_WRONLY closer is what CloseIO closes. The FIFO is opened before the sink is made:
   *  when it cannot be (not a FIFO, gone), the container's end is still ours to close with the rest. */
  async copyStdin(makeSink: () => ByteSink): Promise<void> {
    const stdin = await openStdinFifo(this.cfg.stdin, !this.res.stdinClosed);
    this.res.stdinCloser = stdin.closer;
    let sink: ByteSink;
    try {
      sink = makeSink();
    } catch (err) {
      stdin.source.destroy();
      throw err;
    }
    this.res.inputs.push(copyInput(stdin.source, sink, 'stdin', this.ctx.log));
  }

  /** file:// — one file for both streams, closed after both end */
  async openLogFile(path: string): Promise<number> {
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    const fd = await openFd(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o644);
    return this.res.fds.add(fd);
  }

  closeWhenDone(fd: number, copies: OutputCopy[]): void {
    void Promise.all(copies.map((c) => c.done)).then(() => this.res.fds.close(fd));
  }
}

function nullPlan(): Plan {
  return { runcIo: {}, start: async () => {} };
}

function fifoPlan(b: Builder): Plan {
  const { cfg } = b;
  const stdin = cfg.stdin !== '' ? b.pipe('read') : undefined;
  const stdout = cfg.stdout !== '' ? b.pipe('write') : undefined;
  const stderr = cfg.stderr !== '' ? b.pipe('write') : undefined;
  return {
    runcIo: { stdin: stdin?.read, stdout: stdout?.write, stderr: stderr?.write },
    start: async () => {
      b.closeChildEnds(stdin?.read, stdout?.write, stderr?.write);
      // open the destination first: a failed open must leave the pipe end with the FdSet, which close() releases
      if (stdout) {
        const sink = await openOutput(cfg.stdout);
        b.copyOutput('stdout', b.owned(stdout.read), sink);
      }
      if (stderr) {
        const sink = await openOutput(cfg.stderr);
        b.copyOutput('stderr', b.owned(stderr.read), sink);
      }
      if (stdin) await b.copyStdin(() => b.writePipe(stdin.write));
    },
  };
}

function filePlan(b: Builder, path: string): Plan {
  const stdin = b.cfg.stdin !== '' ? b.pipe('read') : undefined;
  const stdout = b.pipe('write');
  const stderr = b.pipe('write');
  return {
    runcIo: { stdin: stdin?.read, stdout: stdout.write, stderr: stderr.write },
    start: async () => {
      b.closeChildEnds(stdin?.read, stdout.write, stderr.write);
      const fd = await b.openLogFile(path);
      // one fd for both streams, closed once both copies are over
      const sink: OutputSink = { fd, release: () => {} };
      const copies = [
        b.copyOutput('stdout', b.owned(stdout.read), sink),
        b.copyOutput('stderr', b.owned(stderr.read), sink),
      ];
      b.closeWhenDone(fd, copies);
      if (stdin) await b.copyStdin(() => b.writePipe(stdin.write));
    },
  };
}

async function binaryPlan(b: Builder, target: Extract<OutputTarget, { kind: 'binary' }>): Promise<Plan> {
  const logger = await startLoggingBinary(target, b.ctx, b.res.fds);
  b.res.logger = logger;
  return {
    runcIo: { stdout: logger.stdoutWrite, stderr: logger.stderrWrite },
    start: async () => b.closeChildEnds(logger.stdoutWrite, logger.stderrWrite),
  };
}

/** where console output goes: the logger's stdout pipe, the file:// file, the stdout FIFO, or nowhere */
async function consoleOutput(
  b: Builder,
  target: OutputTarget,
): Promise<{ sink: OutputSink; fileFd?: number }> {
  const { res, cfg } = b;
  if (res.logger) {
    // the logger's stderr pipe stays unused in terminal mode
    b.closeChildEnds(res.logger.stderrWrite);
    return { sink: b.owned(res.logger.stdoutWrite) };
  }
  if (target.kind === 'file') {
    const fileFd = await b.openLogFile(target.path);
    return { sink: { fd: fileFd, release: () => {} }, fileFd };
  }
  if (cfg.stdout !== '') return { sink: await openOutput(cfg.stdout) };
  return { sink: discardSink };
}

async function terminalPlan(b: Builder, target: OutputTarget): Promise<Plan> {
  const { cfg, res } = b;
  if (target.kind === 'binary') res.logger = await startLoggingBinary(target, b.ctx, res.fds);
  const sock = await listenConsoleSocket(b.ctx.tmpDir);
  res.consoleSocket = sock;
  return {
    runcIo: {},
    consoleSocket: sock.path,
    start: async () => {
      res.consoleSocket = undefined;
      const master = res.fds.add(await receiveConsole(sock));
      res.consoleFd = master;
      const { sink, fileFd } = await consoleOutput(b, target);
      // the master is closed with the rest of the IO: stdin and resizes use it too
      const copy = b.copyOutput('console', { fd: master, release: () => {} }, sink);
      if (fileFd !== undefined) b.closeWhenDone(fileFd, [copy]);
      if (cfg.stdin !== '') await b.copyStdin(() => consoleSink(master));
    },
  };
}

export async function createProcessIO(cfg: StdioConfig, ctx: IOContext): Promise<ProcessIO> {
  const target = parseOutputTarget(cfg.stdin, cfg.stdout, cfg.stderr);
  const b = new Builder(cfg, ctx);
  try {
    let plan: Plan;
    if (cfg.terminal) plan = await terminalPlan(b, target);
    else if (target.kind === 'null') plan = nullPlan();
    else if (target.kind === 'fifo') plan = fifoPlan(b);
    else if (target.kind === 'file') plan = filePlan(b, target.path);
    else plan = await binaryPlan(b, target);
    return new ProcessIOImpl(b.res, plan);
  } catch (err) {
    await b.res.close();
    throw err;
  }
}
