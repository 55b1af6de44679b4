// A process added to a running container with Exec and started with Start.
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { TaskStatus } from '../../api/types.ts';
import { errFailedPrecondition, errNotFound } from '../../errdefs/index.ts';
import type { Runc } from '../../runc/index.ts';
import { readPidFile } from '../bundle-files.ts';
import { createProcessIO, type IOContext, type ProcessIO, type StdioConfig } from '../io/index.ts';
import { ExitLatch, type ExitInfo } from './exit.ts';
import { ExecCreatedState, type ExecState } from './exec-states.ts';
import { IO_DRAIN_TIMEOUT_MS } from './init.ts';
import { Serial } from './serial.ts';

export interface ExecConfig {
  id: string;
  containerId: string;
  bundle: string;
  runc: Runc;
  /** the OCI Process JSON from the request, with `terminal` already set from the request */
  spec: Record<string, unknown>;
  stdio: StdioConfig;
  ioContext: IOContext;
  /** whether the container's init is paused (an exec reports paused while it is) */
  initStatus: () => TaskStatus;
}

export class ExecProcess {
  readonly id: string;
  readonly stdio: StdioConfig;
  pid = 0;
  readonly exit = new ExitLatch();
  private io: ProcessIO | undefined;
  private state: ExecState;
  private readonly serial = new Serial();

  constructor(private readonly config: ExecConfig) {
    this.id = config.id;
    this.stdio = config.stdio;
    this.state = new ExecCreatedState(this);
  }

  get stateName(): ExecState['name'] {
    return this.state.name;
  }

  transition(next: ExecState): void {
    this.state = next;
  }

  status(): TaskStatus {
    const init = this.config.initStatus();
    if (init === TaskStatus.PAUSED || init === TaskStatus.PAUSING) return init;
    switch (this.state.name) {
      case 'created':
        return TaskStatus.CREATED;
      case 'running':
        return TaskStatus.RUNNING;
      default:
        return TaskStatus.STOPPED;
    }
  }

  start(): Promise<void> {
    return this.serial.run(() => this.state.start());
  }
  delete(): Promise<void> {
    return this.serial.run(() => this.state.delete());
  }
  kill(signal: number): Promise<void> {
    return this.serial.run(() => this.state.kill(signal));
  }
  resize(cols: number, rows: number): void {
    this.state.resize(cols, rows);
  }
  /** recorded, stopped, then waiters woken: a Wait answer implies State says stopped */
  setExited(exit: ExitInfo): void {
    if (!this.exit.record(exit)) return;
    this.state.exited();
    this.exit.release();
  }
  closeStdin(): void {
    this.io?.closeStdin();
  }

  private pidFile(): string {
    return join(this.config.bundle, `${this.id}.pid`);
  }

  async runtimeExec(): Promise<void> {
    const io = await createProcessIO(this.stdio, this.config.ioContext);
    this.io = io;
    try {
      await this.config.runc.exec(this.config.containerId, this.config.spec, {
        pidFile: this.pidFile(),
        consoleSocket: io.consoleSocket,
        detach: true,
        io: io.runcIo,
      });
      await io.start();
      this.pid = readPidFile(this.pidFile());
    } catch (err) {
      await io.close();
      this.io = undefined;
      // as in the Go shim, a Wait on an exec that failed to start returns (exit 0, zero time)
      this.exit.set({ status: 0, at: undefined });
      throw err;
    }
  }

  async signalProcess(signal: number): Promise<void> {
    if (this.pid <= 0) throw errFailedPrecondition('process not created');
    if (this.exit.exited) throw errNotFound('process already finished');
    try {
      process.kill(this.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') throw errNotFound('process already finished');
      throw err;
    }
  }

  resizeConsole(cols: number, rows: number): void {
    this.io?.resize(cols, rows);
  }

  async release(): Promise<void> {
    await this.io?.outputDone(IO_DRAIN_TIMEOUT_MS);
    await this.io?.close();
    try {
      unlinkSync(this.pidFile()); // a plain file: rmSync would stat it first, at every exec
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
