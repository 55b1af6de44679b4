// Per container: the init's cgroup (loaded at Create, as the Go shim does) for Stats, and its OOM watch, which
// publishes /tasks/oom until the container is deleted.
import type { AnyMessage } from '../../api/any.ts';
import { EventTopics, TypeNames } from '../../api/types.ts';
import { loadCgroupOfPid, V2Cgroup, type ContainerCgroup } from '../../cgroups/index.ts';
import { errNotFound } from '../../errdefs/index.ts';
import type { Publisher } from '../events/publisher.ts';
import type { LogFn } from './task-service.ts';

interface Watched {
  cgroup: ContainerCgroup;
  stopOOM: () => void;
}

export class CgroupWatch {
  private readonly watched = new Map<string, Watched>();

  constructor(
    private readonly publisher: Publisher,
    private readonly log: LogFn,
  ) {}

  /** A cgroup that cannot be loaded is logged, not fatal: Stats then answers NotFound (as the Go shim). */
  attach(id: string, pid: number): void {
    this.detach(id);
    let cgroup: ContainerCgroup;
    try {
      cgroup = loadCgroupOfPid(pid, { log: (msg, fields) => this.log('warn', msg, { id, ...fields }) });
    } catch (err) {
      this.log('error', 'loading the container cgroup failed', { id, pid, error: (err as Error).message });
      return;
    }
    if (cgroup instanceof V2Cgroup)
      for (const problem of cgroup.enableAncestorControllers()) this.log('warn', problem, { id });
    const stopOOM = cgroup.watchOOM(() => {
      this.log('info', 'container OOM', { id });
      this.publisher.publish(EventTopics.oom, TypeNames.taskOOM, { container_id: id });
    });
    this.watched.set(id, { cgroup, stopOOM });
  }

  detach(id: string): void {
    const w = this.watched.get(id);
    if (!w) return;
    this.watched.delete(id);
    w.stopOOM();
  }

  async stats(id: string): Promise<AnyMessage> {
    const w = this.watched.get(id);
    if (!w) throw errNotFound('cgroup does not exist');
    return w.cgroup.stats();
  }
}
