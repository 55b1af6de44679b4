// cgroup v1 OOM notifications: an eventfd registered against memory.oom_control through cgroup.event_control,
// polled on the event loop. The kernel also signals it when the cgroup is removed, which ends the watch.
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { native, type FdPoller } from '../native/index.ts';

export type OomLog = (msg: string, fields?: Record<string, unknown>) => void;

export function watchOomV1(memoryDir: string, onOOM: () => void, log?: OomLog): () => void {
  const addon = native();
  let efd = -1;
  let poller: FdPoller | undefined;
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    poller?.close(); // before the fd: uv_poll must not watch a closed (or reused) fd
    if (efd >= 0) addon.close(efd); // closing the eventfd also unregisters the kernel event
  };
  try {
    efd = addon.eventfd();
    const control = openSync(join(memoryDir, 'memory.oom_control'), 'r');
    try {
      // "<event fd> <control fd> <args>": no args for OOM, hence the trailing space (as the Go library writes it)
      writeFileSync(join(memoryDir, 'cgroup.event_control'), `${efd} ${control} `);
    } finally {
      closeSync(control); // the kernel holds its own reference from here on
    }
    poller = addon.pollReadable(efd, () => {
      if (stopped) return;
      let count = 0;
      try {
        count = addon.eventfdRead(efd);
      } catch (err) {
        log?.('oom watch: reading the eventfd failed', { dir: memoryDir, error: (err as Error).message });
        stop();
        return;
      }
      if (count === 0) return;
      if (!existsSync(join(memoryDir, 'memory.oom_control'))) {
        stop(); // the cgroup was removed: that notification is not an OOM
        return;
      }
      onOOM();
    });
  } catch (err) {
    log?.('oom watch: cannot register for OOM notifications', {
      dir: memoryDir,
      error: (err as Error).message,
    });
    stop();
  }
  return stop;
}
