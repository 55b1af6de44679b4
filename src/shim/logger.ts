// The shim's log: JSON lines into the bundle's `log` FIFO, which containerd copies to its own log. Each line is
// {"level","time",runtime,pid,namespace,path,...fields,"msg"} (the shape pino wrote before this small writer
// replaced it: pino and sonic-boom cost each shim ~0.5 MiB of private memory for a few lines a minute).
// Writes never block: if containerd stops reading, lines beyond a bounded backlog are dropped whole
// (a full log FIFO must not stall the shim; containerd#4546) and the count is logged once writes go through.
import { constants, openSync } from 'node:fs';
import { LineWriter } from './log/line-writer.ts';
import { RUNTIME_NAME } from './version.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export interface ShimLogger {
  readonly log: LogFn;
  /** one last attempt to write what is buffered (at shutdown) */
  flush(): void;
}

const MAX_BUFFERED_LOG = 1 << 20;

/** Opens the FIFO for writing without waiting for a reader; undefined when there is none. */
export function openLogFifo(path: string): number | undefined {
  try {
    return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
}

function jsonValue(value: unknown): string {
  try {
    return (
      JSON.stringify(value, (_key, v: unknown) =>
        typeof v === 'bigint' ? v.toString() : v instanceof Error ? (v.stack ?? v.message) : v,
      ) ?? 'null'
    );
  } catch {
    return '"[unserializable]"';
  }
}

/** `"k":v,...` of an object, for splicing into a line */
function jsonMembers(fields: Record<string, unknown>): string {
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out += `,${JSON.stringify(k)}:${jsonValue(v)}`;
  }
  return out;
}

export function createLogger(fd: number, debug: boolean, fields: Record<string, unknown>): ShimLogger {
  const writer = new LineWriter(fd, MAX_BUFFERED_LOG);
  const base = jsonMembers({ runtime: RUNTIME_NAME, pid: process.pid, ...fields });
  const line = (level: LogLevel, msg: string, extra?: Record<string, unknown>): string =>
    `{"level":"${level}","time":"${new Date().toISOString()}"${base}${extra ? jsonMembers(extra) : ''},"msg":${JSON.stringify(msg)}}\n`;
  writer.onDropped = (n) =>
    writer.write(line('warn', 'log lines dropped: the log FIFO was full', { dropped: n }));
  return {
    log: (level, msg, extra) => {
      if (level === 'debug' && !debug) return;
      writer.write(line(level, msg, extra));
    },
    flush: () => writer.flush(),
  };
}
