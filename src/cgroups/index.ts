// The cgroup of a container's init: metrics for Stats, OOM notifications, and the shim's own placement.
import { encode } from '../api/codec.ts';
import { watchOomV1, type OomLog } from './oom-v1.ts';
import { watchOomV2 } from './oom-v2.ts';
import { DEFAULT_PROC_ROOT, DEFAULT_ROOT, locateCgroup, type V1Location, type V2Location } from './paths.ts';
import { statV1 } from './v1-stats.ts';
import { statV2 } from './v2-stats.ts';
import { enableAncestorControllers } from './v2-controllers.ts';

export { moveProcessToCgroup } from './placement.ts';
export { isUnified } from './paths.ts';

export const METRICS_V1 = 'io.containerd.cgroups.v1.Metrics';
export const METRICS_V2 = 'io.containerd.cgroups.v2.Metrics';

export interface ContainerCgroup {
  readonly version: 1 | 2;
  /** Any{type_url: 'io.containerd.cgroups.v1.Metrics' | 'io.containerd.cgroups.v2.Metrics', value} */
  stats(): Promise<{ type_url: string; value: Uint8Array }>;
  /** calls onOOM once per OOM kill; returns a stop function; never throws for a vanished cgroup */
  watchOOM(onOOM: () => void): () => void;
}

export interface LoadOptions {
  /** where the cgroup hierarchies are mounted; default /sys/fs/cgroup */
  root?: string;
  /** default /proc */
  procRoot?: string;
  /** default /sys/kernel/mm/hugepages */
  hugepagesDir?: string;
  /** where the OOM watchers report trouble (they never throw) */
  log?: OomLog;
}

export class V1Cgroup implements ContainerCgroup {
  readonly version = 1;
  constructor(
    readonly location: V1Location,
    private readonly opts: LoadOptions,
  ) {}

  async stats(): Promise<{ type_url: string; value: Uint8Array }> {
    const metrics = statV1(this.location, {
      procRoot: this.opts.procRoot,
      hugepagesDir: this.opts.hugepagesDir,
    });
    return { type_url: METRICS_V1, value: encode(METRICS_V1, metrics) };
  }

  watchOOM(onOOM: () => void): () => void {
    const dir = this.location.dirs.get('memory');
    if (dir === undefined) {
      this.opts.log?.('oom watch: the process has no memory cgroup', {});
      return () => {};
    }
    return watchOomV1(dir, onOOM, this.opts.log);
  }
}

export class V2Cgroup implements ContainerCgroup {
  readonly version = 2;
  constructor(
    readonly location: V2Location,
    private readonly opts: LoadOptions,
  ) {}

  async stats(): Promise<{ type_url: string; value: Uint8Array }> {
    const metrics = statV2(this.location, { hugepagesDir: this.opts.hugepagesDir });
    return { type_url: METRICS_V2, value: encode(METRICS_V2, metrics) };
  }

  /** problems met (not thrown): see v2-controllers.ts */
  enableAncestorControllers(): string[] {
    return enableAncestorControllers(this.opts.root ?? DEFAULT_ROOT, this.location.path);
  }

  watchOOM(onOOM: () => void): () => void {
    return watchOomV2(this.location.dir, onOOM, this.opts.log);
  }
}

/** the cgroup of a running process from /proc/<pid>/cgroup (v1: every subsystem; v2: unified); throws errors
 *  a person can act on. `root` defaults to /sys/fs/cgroup (tests pass fixture roots). */
export function loadCgroupOfPid(pid: number, opts: LoadOptions = {}): ContainerCgroup {
  const loc = locateCgroup(pid, opts.root ?? DEFAULT_ROOT, opts.procRoot ?? DEFAULT_PROC_ROOT);
  return loc.version === 1 ? new V1Cgroup(loc, opts) : new V2Cgroup(loc, opts);
}
