// cgroup v2 OOM kills: memory.events changes (inotify through fs.watch, or a poll when inotify is unavailable)
// and an oom_kill counter above the last one seen. Like the Go shim, the count starts at 0 and each observed
// increase is one event.
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { OomLog } from './oom-v1.ts';
import { readOomKill } from './v2-stats.ts';

const POLL_INTERVAL_MS = 1000;

export function watchOomV2(dir: string, onOOM: () => void, log?: OomLog): () => void {
  let last = 0n;
  let stopped = false;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    watcher?.close();
    if (timer) clearInterval(timer);
  };
  const check = (): void => {
    if (stopped) return;
    let value;
    try {
      value = readOomKill(dir);
    } catch (err) {
      log?.('oom watch: cannot read memory.events', { dir, error: (err as Error).message });
      return;
    }
    if (value === undefined) {
      stop(); // the cgroup is gone
      return;
    }
    const n = BigInt(value);
    if (n > last) {
      last = n;
      onOOM();
    }
  };
  const file = join(dir, 'memory.events');
  if (readOomKillSafe(dir) === undefined) {
    log?.('oom watch: no memory.events (memory controller not enabled?)', { dir });
    stopped = true;
    return stop;
  }
  try {
    watcher = watch(file, { persistent: false }, check);
    watcher.on('error', (err) => {
      log?.('oom watch: inotify failed, polling instead', { dir, error: err.message });
      watcher?.close();
      watcher = undefined;
      startPolling();
    });
  } catch (err) {
    log?.('oom watch: inotify unavailable, polling instead', { dir, error: (err as Error).message });
    startPolling();
  }
  function startPolling(): void {
    if (stopped || timer) return;
    timer = setInterval(check, POLL_INTERVAL_MS);
    timer.unref();
  }
  check(); // an OOM kill between the cgroup's creation and now
  return stop;
}

function readOomKillSafe(dir: string): bigint | undefined {
  try {
    const v = readOomKill(dir);
    return v === undefined ? undefined : BigInt(v);
  } catch {
    return undefined;
  }
}
