// An exec process's state machine (Go shim's exec_state.go).
import { errNotFound } from '../../errdefs/index.ts';
import type { ExecProcess } from './exec.ts';

export type ExecStateName = 'created' | 'running' | 'stopped' | 'deleted';

export abstract class ExecState {
  abstract readonly name: ExecStateName;
  constructor(protected readonly p: ExecProcess) {}

  start(): Promise<void> {
    return Promise.reject(new Error(`cannot start a ${this.name} process`));
  }
  delete(): Promise<void> {
    return Promise.reject(new Error(`cannot delete a ${this.name} process`));
  }
  kill(signal: number): Promise<void> {
    return this.p.signalProcess(signal);
  }
  resize(cols: number, rows: number): void {
    this.p.resizeConsole(cols, rows);
  }
  exited(): void {
    this.p.transition(new ExecStoppedState(this.p));
  }
}

export class ExecCreatedState extends ExecState {
  readonly name = 'created';
  override async start(): Promise<void> {
    await this.p.runtimeExec();
    this.p.transition(new ExecRunningState(this.p));
  }
  override async delete(): Promise<void> {
    await this.p.release();
    this.p.transition(new ExecDeletedState(this.p));
  }
}

export class ExecRunningState extends ExecState {
  readonly name = 'running';
}

export class ExecStoppedState extends ExecState {
  readonly name = 'stopped';
  override async delete(): Promise<void> {
    await this.p.release();
    this.p.transition(new ExecDeletedState(this.p));
  }
  override kill(): Promise<void> {
    return Promise.reject(errNotFound('process already finished'));
  }
  override resize(): void {
    throw new Error('cannot resize a stopped container');
  }
  override exited(): void {}
}

export class ExecDeletedState extends ExecState {
  readonly name = 'deleted';
  override delete(): Promise<void> {
    return Promise.reject(errNotFound('cannot delete a deleted process'));
  }
  override kill(): Promise<void> {
    return Promise.reject(errNotFound('cannot kill a deleted process'));
  }
  override resize(): void {
    throw new Error('cannot resize a deleted process');
  }
  override exited(): void {}
}
