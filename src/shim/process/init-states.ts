// The init process's state machine (Go shim's init_state.go): each state is a type, every legal transition a
// method, every illegal one an error worded as containerd users know it.
import { errNotFound } from '../../errdefs/index.ts';
import type { InitProcess } from './init.ts';

export type InitStateName = 'created' | 'created-checkpoint' | 'running' | 'paused' | 'stopped' | 'deleted';

export abstract class InitState {
  abstract readonly name: InitStateName;
  constructor(protected readonly p: InitProcess) {}

  start(): Promise<void> {
    return Promise.reject(new Error(`cannot start a ${this.noun()} process`));
  }
  delete(): Promise<void> {
    return Promise.reject(new Error(`cannot delete a ${this.noun()} process`));
  }
  kill(signal: number, all: boolean): Promise<void> {
    return this.p.runtimeKill(signal, all);
  }
  pause(): Promise<void> {
    return Promise.reject(new Error(`cannot pause a ${this.noun()} container`));
  }
  resume(): Promise<void> {
    return Promise.reject(new Error(`cannot resume a ${this.noun()} container`));
  }
  update(resources: object): Promise<void> {
    return this.p.runtimeUpdate(resources);
  }
  checkpoint(): void {
    throw new Error(`cannot checkpoint a ${this.noun()} container`);
  }
  /** throws when an exec cannot be added in this state */
  checkExec(): void {
    throw new Error(`cannot exec in a ${this.noun()} state`);
  }
  /** the process has been reaped */
  async exited(): Promise<void> {
    this.p.transition(new StoppedState(this.p));
  }
  protected noun(): string {
    return this.name === 'created-checkpoint' ? 'created' : this.name;
  }
}

export class CreatedState extends InitState {
  readonly name: InitStateName = 'created';
  override async start(): Promise<void> {
    await this.p.runtimeStart();
    this.p.transition(new RunningState(this.p));
  }
  override async delete(): Promise<void> {
    await this.p.runtimeDelete();
    this.p.transition(new DeletedState(this.p));
  }
  override pause(): Promise<void> {
    return Promise.reject(new Error('cannot pause task in created state'));
  }
  override resume(): Promise<void> {
    return Promise.reject(new Error('cannot resume task in created state'));
  }
  override checkpoint(): void {
    throw new Error('cannot checkpoint a task in created state');
  }
  override checkExec(): void {}
}

export class CreatedCheckpointState extends CreatedState {
  override readonly name = 'created-checkpoint';
  override async start(): Promise<void> {
    await this.p.runtimeRestore();
    this.p.transition(new RunningState(this.p));
  }
  override checkExec(): void {
    throw new Error('cannot exec in a created state');
  }
}

export class RunningState extends InitState {
  readonly name = 'running';
  override async pause(): Promise<void> {
    await this.p.runtimePause();
    this.p.transition(new PausedState(this.p));
  }
  override resume(): Promise<void> {
    return Promise.reject(new Error('cannot resume a running process'));
  }
  override checkpoint(): void {}
  override checkExec(): void {}
}

export class PausedState extends InitState {
  readonly name = 'paused';
  override async resume(): Promise<void> {
    await this.p.runtimeResume();
    this.p.transition(new RunningState(this.p));
  }
  override checkpoint(): void {}
  override async exited(): Promise<void> {
    // a frozen cgroup keeps its remaining processes frozen: thaw it so they can be killed and reaped
    await this.p.runtimeResume().catch(() => undefined);
    this.p.transition(new StoppedState(this.p));
  }
}

export class StoppedState extends InitState {
  readonly name = 'stopped';
  override async delete(): Promise<void> {
    await this.p.runtimeDelete();
    this.p.transition(new DeletedState(this.p));
  }
  override update(): Promise<void> {
    return Promise.reject(new Error('cannot update a stopped container'));
  }
  override async exited(): Promise<void> {}
}

export class DeletedState extends InitState {
  readonly name = 'deleted';
  override delete(): Promise<void> {
    return Promise.reject(errNotFound('cannot delete a deleted process'));
  }
  override kill(): Promise<void> {
    return Promise.reject(errNotFound('cannot kill a deleted process'));
  }
  override update(): Promise<void> {
    return Promise.reject(new Error('cannot update a deleted container'));
  }
  override async exited(): Promise<void> {}
}
