// The container's init process: what runc calls the container. Its state decides which calls are legal.
import { join } from 'node:path';
import { TaskStatus } from '../../api/types.ts';
import { errNotFound } from '../../errdefs/index.ts';
import { Runc, isContainerNotExist, isProcessAlreadyFinished } from '../../runc/index.ts';
import { BundleFile, readPidFile } from '../bundle-files.ts';
import { createProcessIO, type ProcessIO, type StdioConfig } from '../io/index.ts';
import type { IOContext } from '../io/index.ts';
import { ExitLatch, type ExitInfo } from './exit.ts';
import { CreatedCheckpointState, CreatedState, type InitState } from './init-states.ts';
import { Serial } from './serial.ts';

/** How long Delete waits for the last output to reach its reader, as the Go shim does */
export const IO_DRAIN_TIMEOUT_MS = 10_000;

export interface InitConfig {
  id: string;
  bundle: string;
  runc: Runc;
  stdio: StdioConfig;
  ioContext: IOContext;
  noPivot: boolean;
  noNewKeyring: boolean;
  checkpoint?: string;
  parentCheckpoint?: string;
  criuWorkPath?: string;
}

export class InitProcess {
  readonly id: string;
  readonly bundle: string;
  readonly stdio: StdioConfig;
  readonly runc: Runc;
  pid = 0;
  private io: ProcessIO | undefined;
  private state: InitState;
  private pausing = false;
  readonly exit = new ExitLatch();
  private readonly serial = new Serial();

  private constructor(private readonly config: InitConfig) {
    this.id = config.id;
    this.bundle = config.bundle;
    this.stdio = config.stdio;
    this.runc = config.runc;
    this.state = config.checkpoint ? new CreatedCheckpointState(this) : new CreatedState(this);
  }

  /** runc create (or, for a restore, only the IO: the process starts at Start) */
  static async create(config: InitConfig): Promise<InitProcess> {
    const p = new InitProcess(config);
    if (config.checkpoint) return p;
    const io = await createProcessIO(config.stdio, config.ioContext);
    p.io = io;
    try {
      await config.runc.create(config.id, {
        bundle: config.bundle,
        pidFile: p.pidFile(),
        consoleSocket: io.consoleSocket,
        noPivot: config.noPivot,
        noNewKeyring: config.noNewKeyring,
        io: io.runcIo,
      });
      await io.start();
      p.pid = readPidFile(p.pidFile());
    } catch (err) {
      await io.close();
      await config.runc.delete(config.id, { force: true }).catch(() => undefined);
      throw err;
    }
    return p;
  }

  private pidFile(): string {
    return join(this.bundle, BundleFile.initPid);
  }

  get stateName(): InitState['name'] {
    return this.state.name;
  }

  transition(next: InitState): void {
    this.state = next;
  }

  status(): TaskStatus {
    // recorded but not yet through the state machine (a Kill still holds it): already stopped for State
    if (this.exit.exited) return TaskStatus.STOPPED;
    if (this.pausing) return TaskStatus.PAUSING;
    switch (this.state.name) {
      case 'created':
      case 'created-checkpoint':
        return TaskStatus.CREATED;
      case 'running':
        return TaskStatus.RUNNING;
      case 'paused':
        return TaskStatus.PAUSED;
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
  kill(signal: number, all: boolean): Promise<void> {
    return this.serial.run(() => this.state.kill(signal, all));
  }
  pause(): Promise<void> {
    return this.serial.run(() => this.state.pause());
  }
  resume(): Promise<void> {
    return this.serial.run(() => this.state.resume());
  }
  update(resources: object): Promise<void> {
    return this.serial.run(() => this.state.update(resources));
  }
  checkExec(): void {
    this.state.checkExec();
  }
  checkCheckpoint(): void {
    this.state.checkpoint();
  }

  /** The reaper saw this process exit: record it, let the state machine reach stopped (after any call that
   *  holds it, as the Go shim's SetExited waits for the process lock), and only then wake the waiters. */
  async setExited(exit: ExitInfo): Promise<void> {
    if (!this.exit.record(exit)) return;
    try {
      await this.serial.run(() => this.state.exited());
    } finally {
      this.exit.release();
    }
  }

  resize(cols: number, rows: number): void {
    this.io?.resize(cols, rows);
  }

  closeStdin(): void {
    this.io?.closeStdin();
  }

  // The operations below are what the states call; nothing else should.

  async runtimeStart(): Promise<void> {
    await this.runc.start(this.id);
  }

  async runtimeRestore(): Promise<void> {
    const io = await createProcessIO(this.stdio, this.config.ioContext);
    this.io = io;
    try {
      this.pid = await this.runc.restore(this.id, {
        bundle: this.bundle,
        pidFile: this.pidFile(),
        imagePath: this.config.checkpoint!,
        workPath: this.config.criuWorkPath || join(this.bundle, 'work'),
        parentPath: this.config.parentCheckpoint || undefined,
        consoleSocket: io.consoleSocket,
        noPivot: this.config.noPivot,
        io: io.runcIo,
      });
      await io.start();
    } catch (err) {
      await io.close();
      throw err;
    }
  }

  async runtimeDelete(): Promise<void> {
    await this.io?.outputDone(IO_DRAIN_TIMEOUT_MS);
    try {
      await this.runc.delete(this.id);
    } catch (err) {
      if (!isContainerNotExist(err)) throw err;
    } finally {
      await this.io?.close();
    }
  }

  async runtimeKill(signal: number, all: boolean): Promise<void> {
    try {
      await this.runc.kill(this.id, signal, { all });
    } catch (err) {
      if (isProcessAlreadyFinished(err)) throw errNotFound('process already finished', { cause: err });
      if (isContainerNotExist(err)) throw errNotFound('no such container', { cause: err });
      throw new Error(`unknown error after kill: ${(err as Error).message}`, { cause: err });
    }
  }

  async runtimePause(): Promise<void> {
    this.pausing = true;
    try {
      await this.runc.pause(this.id);
    } finally {
      this.pausing = false;
    }
  }

  async runtimeResume(): Promise<void> {
    await this.runc.resume(this.id);
  }

  async runtimeUpdate(resources: object): Promise<void> {
    await this.runc.update(this.id, resources);
  }

  /** release IO without touching runc (shim shutting down, failed create) */
  async closeIO(): Promise<void> {
    await this.io?.close();
  }
}
