// Matching reaped exits to processes and publishing them in containerd's order (reference §4.3, §7.3, §7.4):
// start before exit even for a process that dies at once, every exec's exit before its init's.
import { toTimestamp } from '../../api/timestamp.ts';
import { EventTopics, TypeNames } from '../../api/types.ts';
import type { Container, AnyProcess } from '../container.ts';
import type { Publisher } from '../events/publisher.ts';
import type { ExitInfo } from '../process/exit.ts';
import { InitProcess } from '../process/init.ts';
import type { ChildExit, ExitCapture } from '../../spawn/exits.ts';

/** Where exits come from (src/spawn/exits.ts in the shim); injected so the service needs no reaper of its own. */
export interface ExitSource {
  onExit(listener: (exit: ChildExit) => void): () => void;
  captureExits(): ExitCapture;
}

interface Running {
  container: Container;
  process: AnyProcess;
}

export class Lifecycle {
  private readonly running = new Map<number, Running[]>();
  private readonly runningExecs = new Map<Container, number>();
  private readonly pendingInitExit = new Map<Container, ExitInfo>();
  private readonly initExited = new Set<Container>();

  constructor(
    private readonly publisher: Publisher,
    private readonly log: (
      level: 'debug' | 'info' | 'warn' | 'error',
      msg: string,
      f?: Record<string, unknown>,
    ) => void,
  ) {}

  /** to be called for every reaped exit */
  onReaped(exit: ChildExit): void {
    const entries = this.running.get(exit.pid);
    if (!entries) return;
    this.running.delete(exit.pid);
    for (const e of entries) void this.processExited(e.container, e.process, exit);
  }

  /** After a successful create/start/exec: handle an exit that already happened, else watch the pid. */
  started(container: Container, process: AnyProcess, capture: ExitCapture): void {
    const early = process.pid > 0 ? capture.take(process.pid) : undefined;
    if (early) {
      void this.processExited(container, process, early);
      return;
    }
    if (process.pid <= 0) return;
    const list = this.running.get(process.pid) ?? [];
    list.push({ container, process });
    this.running.set(process.pid, list);
  }

  /** Before runc start of the init: its exit during the call must be handled after TaskStart. */
  unwatch(process: AnyProcess): void {
    const list = this.running.get(process.pid);
    if (!list) return;
    const rest = list.filter((r) => r.process !== process);
    if (rest.length) this.running.set(process.pid, rest);
    else this.running.delete(process.pid);
  }

  isInitExited(container: Container): boolean {
    return this.initExited.has(container);
  }

  execStarting(container: Container): void {
    this.runningExecs.set(container, (this.runningExecs.get(container) ?? 0) + 1);
  }

  /** an exec that failed to start, or one that exited */
  execGone(container: Container): void {
    const n = (this.runningExecs.get(container) ?? 1) - 1;
    if (n > 0) {
      this.runningExecs.set(container, n);
      return;
    }
    this.runningExecs.delete(container);
    const pending = this.pendingInitExit.get(container);
    if (pending) {
      this.pendingInitExit.delete(container);
      void this.finishInitExit(container, pending);
    }
  }

  forget(container: Container): void {
    this.runningExecs.delete(container);
    this.pendingInitExit.delete(container);
    this.initExited.delete(container);
  }

  private async processExited(container: Container, process: AnyProcess, exit: ExitInfo): Promise<void> {
    try {
      if (process instanceof InitProcess) {
        if (container.shouldKillAllOnExit())
          await container.runc.kill(container.id, 9, { all: true }).catch((err: Error) => {
            this.log('debug', 'kill --all after init exit', { id: container.id, error: err.message });
          });
        this.initExited.add(container);
        if ((this.runningExecs.get(container) ?? 0) > 0) {
          this.pendingInitExit.set(container, exit);
          return;
        }
        await this.finishInitExit(container, exit);
        return;
      }
      process.setExited(exit);
      this.publishExit(container, process.id, process.pid, exit);
      this.execGone(container);
    } catch (err) {
      this.log('error', 'handling process exit', {
        id: container.id,
        pid: process.pid,
        error: (err as Error).message,
      });
    }
  }

  private async finishInitExit(container: Container, exit: ExitInfo): Promise<void> {
    await container.init.setExited(exit);
    this.publishExit(container, container.id, container.init.pid, exit);
  }

  private publishExit(container: Container, id: string, pid: number, exit: ExitInfo): void {
    this.publisher.publish(EventTopics.exit, TypeNames.taskExit, {
      container_id: container.id,
      id,
      pid,
      exit_status: exit.status,
      exited_at: toTimestamp(exit.at),
    });
  }
}
