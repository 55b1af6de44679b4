// The Task API (containerd.task.v2.Task and v3.Task): turns each request into calls on containers and their
// processes, publishes the events that belong to it, and maps failures to the codes containerd expects.
import { isAbsolute } from 'node:path';
import { isEmptyAny, packAny, unpackJsonAny, type AnyMessage } from '../../api/any.ts';
import { encode } from '../../api/codec.ts';
import type { LogFn } from '../../log/log-fn.ts';
import { toTimestamp } from '../../api/timestamp.ts';
import {
  EventTopics,
  TypeNames,
  type CheckpointTaskRequest,
  type CloseIORequest,
  type ConnectResponse,
  type CreateTaskRequest,
  type DeleteResponse,
  type ExecProcessRequest,
  type IdRequest,
  type KillRequest,
  type ProcessInfo,
  type ProcessRef,
  type ResizePtyRequest,
  type StateResponse,
  type UpdateTaskRequest,
  type WaitResponse,
} from '../../api/types.ts';
import { errFailedPrecondition, errInvalidArgument, errNotFound } from '../../errdefs/index.ts';
import { Container, type AnyProcess } from '../container.ts';
import { identifierProblem } from '../identifiers.ts';
import type { Publisher } from '../events/publisher.ts';
import { runcOptionsFromAny } from '../options.ts';
import { InitProcess } from '../process/init.ts';
import { bundleIdentity, writeDeleteRecords, type DeletedBundle } from '../delete-record.ts';
import { checkpointContainer } from './checkpoint.ts';
import { CgroupWatch } from './cgroup-watch.ts';
import { Lifecycle, type ExitSource } from './lifecycle.ts';

export type { LogFn };

export interface TaskServiceDeps {
  namespace: string;
  publisher: Publisher;
  exits: ExitSource;
  log: LogFn;
  /** the log of one container: every line carries its id */
  logFor?: (containerId: string) => LogFn;
  /** the shim should exit: no container is left and containerd asked for Shutdown */
  requestShutdown: () => void;
}

/** Ids become file names (`<bundle>/<exec id>.pid`, runc state, FIFOs): one containerd could not have made
 *  is refused before it reaches any of them, and before a lookup, so a bad id is told apart from an unknown one. */
function checkId(what: string, id: string): void {
  const problem = identifierProblem(id);
  if (problem) throw errInvalidArgument(`invalid ${what}: ${problem}`);
}

export class TaskService {
  readonly containers = new Map<string, Container>();
  /** containers deleted cleanly, whose delete action needs no Node once this daemon has shut down */
  private readonly deleted: DeletedBundle[] = [];
  private readonly lifecycle: Lifecycle;
  private readonly cgroups: CgroupWatch;

  constructor(private readonly deps: TaskServiceDeps) {
    this.lifecycle = new Lifecycle(deps.publisher, deps.log);
    this.cgroups = new CgroupWatch(deps.publisher, deps.log);
    deps.exits.onExit((exit) => this.lifecycle.onReaped(exit));
  }

  private container(id: string): Container {
    checkId('container id', id);
    const c = this.containers.get(id);
    if (!c) throw errNotFound('container not created');
    return c;
  }

  private processOf(req: ProcessRef): { c: Container; p: AnyProcess } {
    checkId('container id', req.id);
    // an empty exec id names the init process
    if (req.exec_id) checkId('exec id', req.exec_id);
    const c = this.container(req.id);
    return { c, p: c.process(req.exec_id) };
  }

  async create(req: CreateTaskRequest): Promise<{ pid: number }> {
    checkId('container id', req.id);
    // containerd always names the bundle by an absolute path; a relative one would resolve against the daemon's
    // own cwd (/), where the options files, runc's log and the rootfs mounts would then land
    if (!isAbsolute(req.bundle))
      throw errInvalidArgument(`bundle path ${JSON.stringify(req.bundle)} is not absolute`);
    let options;
    try {
      options = runcOptionsFromAny(req.options);
    } catch (err) {
      throw errInvalidArgument(`invalid runtime options: ${(err as Error).message}`);
    }
    const capture = this.deps.exits.captureExits();
    try {
      const log = this.deps.logFor?.(req.id) ?? this.deps.log;
      const c = await Container.create(req, options, { namespace: this.deps.namespace, log });
      this.containers.set(req.id, c);
      this.deps.publisher.publish(EventTopics.create, TypeNames.taskCreate, {
        container_id: req.id,
        bundle: req.bundle,
        rootfs: req.rootfs,
        io: { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, terminal: req.terminal },
        checkpoint: req.checkpoint,
        pid: c.init.pid,
      });
      this.cgroups.attach(req.id, c.init.pid);
      this.lifecycle.started(c, c.init, capture);
      return { pid: c.init.pid };
    } finally {
      capture.close();
    }
  }

  async start(req: ProcessRef): Promise<{ pid: number }> {
    const { c, p } = this.processOf(req);
    const isExec = !(p instanceof InitProcess);
    if (isExec) {
      if (this.lifecycle.isInitExited(c))
        throw errFailedPrecondition(`container ${c.id} init process is not running`);
      this.lifecycle.execStarting(c);
    } else {
      this.lifecycle.unwatch(p);
    }
    const capture = this.deps.exits.captureExits();
    try {
      try {
        await p.start();
      } catch (err) {
        if (isExec) this.lifecycle.execGone(c);
        else this.lifecycle.started(c, p, capture);
        throw err;
      }
      if (isExec)
        this.deps.publisher.publish(EventTopics.execStarted, TypeNames.taskExecStarted, {
          container_id: c.id,
          exec_id: p.id,
          pid: p.pid,
        });
      else
        this.deps.publisher.publish(EventTopics.start, TypeNames.taskStart, {
          container_id: c.id,
          pid: p.pid,
        });
      this.lifecycle.started(c, p, capture);
      return { pid: p.pid };
    } finally {
      capture.close();
    }
  }

  async delete(req: ProcessRef): Promise<DeleteResponse> {
    const { c, p } = this.processOf(req);
    await p.delete();
    if (!(p instanceof InitProcess)) {
      c.execs.delete(p.id);
      return { pid: p.pid, exit_status: p.exit.exited?.status ?? 0, exited_at: p.exit.exitedAt() };
    }
    let unmountError: unknown;
    try {
      c.unmountRootfs();
    } catch (err) {
      unmountError = err;
    }
    this.containers.delete(c.id);
    this.cgroups.detach(c.id);
    this.lifecycle.forget(c);
    const exit = { pid: p.pid, exit_status: p.exit.exited?.status ?? 0, exited_at: p.exit.exitedAt() };
    this.deps.publisher.publish(EventTopics.delete, TypeNames.taskDelete, { container_id: c.id, ...exit });
    if (unmountError) throw new Error(`failed rootfs umount: ${(unmountError as Error).message}`);
    this.deleted.push({
      bundle: c.bundle,
      identity: bundleIdentity(c.bundle),
      response: encode(TypeNames.deleteResponse, exit),
    });
    return exit;
  }

  async exec(req: ExecProcessRequest): Promise<void> {
    checkId('container id', req.id);
    checkId('exec id', req.exec_id);
    const c = this.container(req.id);
    c.init.checkExec();
    c.reserveExecId(req.exec_id);
    try {
      if (!req.spec || isEmptyAny(req.spec)) throw errInvalidArgument('exec spec is missing');
      let spec: Record<string, unknown>;
      try {
        spec = unpackJsonAny(req.spec) as Record<string, unknown>;
      } catch (err) {
        throw errInvalidArgument(`exec spec is not valid JSON: ${(err as Error).message}`);
      }
      if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
        throw errInvalidArgument('exec spec must be an OCI Process object');
      spec.terminal = req.terminal;
      c.addExec(req.exec_id, spec, {
        stdin: req.stdin,
        stdout: req.stdout,
        stderr: req.stderr,
        terminal: req.terminal,
      });
    } finally {
      c.releaseExecId(req.exec_id);
    }
    this.deps.publisher.publish(EventTopics.execAdded, TypeNames.taskExecAdded, {
      container_id: c.id,
      exec_id: req.exec_id,
    });
  }

  state(req: ProcessRef): StateResponse {
    const { c, p } = this.processOf(req);
    return {
      id: p.id,
      bundle: c.bundle,
      pid: p.pid,
      status: p.status(),
      stdin: p.stdio.stdin,
      stdout: p.stdio.stdout,
      stderr: p.stdio.stderr,
      terminal: p.stdio.terminal,
      exit_status: p.exit.exited?.status ?? 0,
      exited_at: p.exit.exitedAt(),
    };
  }

  async kill(req: KillRequest): Promise<void> {
    const { p } = this.processOf(req);
    if (p instanceof InitProcess) await p.kill(req.signal, req.all);
    else await p.kill(req.signal);
  }

  async pids(req: IdRequest): Promise<ProcessInfo[]> {
    const c = this.container(req.id);
    const pids = await c.runc.ps(c.id);
    const execByPid = new Map([...c.execs.values()].filter((e) => e.pid > 0).map((e) => [e.pid, e.id]));
    return pids.map((pid) => {
      const execId = execByPid.get(pid);
      return execId ? { pid, info: packAny(TypeNames.processDetails, { exec_id: execId }) } : { pid };
    });
  }

  async pause(req: IdRequest): Promise<void> {
    const c = this.container(req.id);
    await c.init.pause();
    this.deps.publisher.publish(EventTopics.paused, TypeNames.taskPaused, { container_id: c.id });
  }

  async resume(req: IdRequest): Promise<void> {
    const c = this.container(req.id);
    await c.init.resume();
    this.deps.publisher.publish(EventTopics.resumed, TypeNames.taskResumed, { container_id: c.id });
  }

  closeIO(req: CloseIORequest): void {
    const { p } = this.processOf(req);
    p.closeStdin();
  }

  resizePty(req: ResizePtyRequest): void {
    const { p } = this.processOf(req);
    p.resize(req.width, req.height);
  }

  async update(req: UpdateTaskRequest): Promise<void> {
    const c = this.container(req.id);
    if (!req.resources || isEmptyAny(req.resources))
      throw errInvalidArgument('update: resources are missing');
    let resources: unknown;
    try {
      resources = unpackJsonAny(req.resources);
    } catch (err) {
      throw errInvalidArgument(`update: resources are not valid JSON: ${(err as Error).message}`);
    }
    if (typeof resources !== 'object' || resources === null || Array.isArray(resources))
      throw errInvalidArgument('update: resources must be an OCI LinuxResources object');
    await c.init.update(resources);
  }

  async wait(req: ProcessRef, signal: AbortSignal): Promise<WaitResponse> {
    const { p } = this.processOf(req);
    const exit = await p.exit.wait(signal);
    return { exit_status: exit.status, exited_at: toTimestamp(exit.at) };
  }

  async checkpoint(req: CheckpointTaskRequest): Promise<void> {
    const c = this.container(req.id);
    c.init.checkCheckpoint();
    await checkpointContainer(c, req);
  }

  async stats(req: IdRequest): Promise<{ stats: AnyMessage }> {
    this.container(req.id);
    return { stats: await this.cgroups.stats(req.id) };
  }

  connect(req: IdRequest): ConnectResponse {
    return { shim_pid: process.pid, task_pid: this.containers.get(req.id)?.init.pid ?? 0 };
  }

  shutdown(): void {
    if (this.containers.size > 0) return;
    // before the answer: containerd runs the delete action as soon as the connection closes
    const written = writeDeleteRecords(this.deleted);
    if (written > 0)
      this.deps.log('debug', 'delete responses recorded for the delete action', { bundles: written });
    this.deleted.length = 0;
    this.deps.requestShutdown();
  }
}
