// The shim's state at a glance, for SIGUSR1 and `tsshim shim dump`: containers and their processes, events
// not yet delivered, open fds, memory, uptime. Read only; collecting it never touches runc.
import { readdirSync } from 'node:fs';
import { lazyV8 } from '../boot/lazy-builtins.ts';
import type { Container } from '../container.ts';
import type { QueuedEvent } from '../events/publisher.ts';
import type { LogFn } from '../logger.ts';
import type { ExitInfo } from '../process/exit.ts';

export interface ProcessDump {
  id: string;
  pid: number;
  state: string;
  exitStatus?: number;
  exitedAt?: string;
}

export interface ContainerDump {
  id: string;
  bundle: string;
  init: ProcessDump;
  execs: ProcessDump[];
}

export interface ShimDump {
  pid: number;
  /** node's flags (src/shim/boot/daemon-flags.json unless TSSHIM_DAEMON_NODE_FLAGS replaced them) */
  nodeFlags: string[];
  id: string;
  namespace: string;
  uptimeSeconds: number;
  containers: ContainerDump[];
  events: {
    pending: { topic: string; attempts: number }[];
    failedAttempts: number;
    /** dropped because the queue was full */
    dropped: number;
    /** refused by containerd for good, skipped */
    rejected: number;
  };
  openFds: number;
  memory: NodeJS.MemoryUsage;
  /** V8 heap spaces, KiB used / committed: what a memory report is made of */
  heapSpaces: Record<string, { usedKiB: number; committedKiB: number }>;
  tracing: boolean;
  /** the public Node.js modules the shim has loaded (each costs it memory and start-up for life) */
  builtinModules: string[];
}

export interface DumpSources {
  id: string;
  namespace: string;
  startedAt: number;
  tracing: boolean;
  containers: ReadonlyMap<string, Container>;
  publisher: {
    readonly pending: readonly QueuedEvent[];
    readonly failed: number;
    readonly dropped: number;
    readonly rejected: number;
  };
}

export function openFdCount(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

function processDump(p: {
  id: string;
  pid: number;
  stateName: string;
  exit: { exited: ExitInfo | undefined };
}): ProcessDump {
  const exit = p.exit.exited;
  return {
    id: p.id,
    pid: p.pid,
    state: p.stateName,
    ...(exit ? { exitStatus: exit.status, exitedAt: exit.at?.toISOString() } : {}),
  };
}

function heapSpaces(): ShimDump['heapSpaces'] {
  const out: ShimDump['heapSpaces'] = {};
  // node:v8 loaded on demand: the daemon has no other use for it
  for (const s of lazyV8().getHeapSpaceStatistics()) {
    out[s.space_name] = {
      usedKiB: Math.round(s.space_used_size / 1024),
      committedKiB: Math.round(s.physical_space_size / 1024),
    };
  }
  return out;
}

/** Node.js keeps the list of what it loaded (undocumented, there since its first versions); read before anything
 *  below loads node:v8 */
function loadedBuiltins(): string[] {
  const list = (process as unknown as { moduleLoadList?: string[] }).moduleLoadList ?? [];
  const prefix = 'NativeModule ';
  return list
    .filter((m) => m.startsWith(prefix) && !m.startsWith(`${prefix}internal/`))
    .map((m) => m.slice(prefix.length));
}

export function collectDump(src: DumpSources): ShimDump {
  const builtinModules = loadedBuiltins();
  return {
    pid: process.pid,
    nodeFlags: process.execArgv,
    id: src.id,
    namespace: src.namespace,
    uptimeSeconds: Math.round((Date.now() - src.startedAt) / 1000),
    containers: [...src.containers.values()].map((c) => ({
      id: c.id,
      bundle: c.bundle,
      init: processDump(c.init),
      execs: [...c.execs.values()].map(processDump),
    })),
    events: {
      pending: src.publisher.pending.map((e) => ({ topic: e.topic, attempts: e.attempts })),
      failedAttempts: src.publisher.failed,
      dropped: src.publisher.dropped,
      rejected: src.publisher.rejected,
    },
    openFds: openFdCount(),
    memory: process.memoryUsage(),
    heapSpaces: heapSpaces(),
    tracing: src.tracing,
    builtinModules,
  };
}

export function logDump(log: LogFn, dump: ShimDump): void {
  log('info', 'state dump', { dump });
}
