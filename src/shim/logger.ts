// The shim's log: pino, writing JSON lines into the bundle's `log` FIFO, which containerd copies to its own log.
// Each line is {"level","time",runtime,pid,namespace,path,[id],...fields,"msg"}, levels as words and the time
// as an RFC 3339 string, as the shim wrote them before pino (and as logrus-minded readers expect), not
// pino's numbers. pino's destination is our LineWriter rather than a file stream: writes never block, and if
// containerd stops reading, lines beyond a bounded backlog are dropped whole (a full log FIFO must not stall
// the shim; containerd#4546) and the count is logged once writes go through. pino itself is loaded with the first
// line at an enabled level (src/shim/log/load-pino.cjs).
import { constants, openSync } from 'node:fs';
import type { Logger } from 'pino';
import loadPino from './log/load-pino.cjs';
import { LineWriter } from './log/line-writer.ts';
import { RUNTIME_NAME } from './version.ts';

import type { LogFn, LogLevel } from '../log/log-fn.ts';

export type { LogFn, LogLevel };

export interface ShimLogger {
  readonly log: LogFn;
  /** a logger whose every line also carries these fields (the container id, for one container's lines) */
  child(fields: Record<string, unknown>): ShimLogger;
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

/** Errors as their stack and bigints as strings, as the shim always wrote them (JSON has neither). */
function plainFields(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(fields)) {
    const plain = typeof v === 'bigint' ? v.toString() : v instanceof Error ? (v.stack ?? v.message) : v;
    if (plain === v) continue;
    out ??= { ...fields };
    out[k] = plain;
  }
  return out ?? fields;
}

/** pino's numbers for the levels the shim writes: a call below the logger's level loads nothing */
const LEVEL_VALUES: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

type PinoLogger = Logger<never, boolean>;

/** a logger made (from its parent's) on its first enabled call */
function wrap(make: () => PinoLogger, minLevel: number, writer: LineWriter): ShimLogger {
  let logger: PinoLogger | undefined;
  const made = (): PinoLogger => (logger ??= make());
  return {
    log: (level, msg, fields) => {
      if (LEVEL_VALUES[level] < minLevel) return;
      if (fields) made()[level](fields, msg);
      else made()[level](msg);
    },
    child: (fields) => wrap(() => made().child(fields), minLevel, writer),
    flush: () => writer.flush(),
  };
}

export function createLogger(fd: number, debug: boolean, fields: Record<string, unknown>): ShimLogger {
  const writer = new LineWriter(fd, MAX_BUFFERED_LOG);
  const level: LogLevel = debug ? 'debug' : 'info';
  const base = { runtime: RUNTIME_NAME, pid: process.pid, ...fields };
  const root = wrap(
    () =>
      loadPino()(
        {
          level,
          base,
          timestamp: () => `,"time":"${new Date().toISOString()}"`,
          formatters: { level: (label) => ({ level: label }), log: plainFields },
        },
        writer,
      ),
    LEVEL_VALUES[level],
    writer,
  );
  writer.onDropped = (n) => root.log('warn', 'log lines dropped: the log FIFO was full', { dropped: n });
  return root;
}
