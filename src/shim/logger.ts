// The shim's log: pino JSON lines into the bundle's `log` FIFO, which containerd copies to its own log.
// Writes never block: if containerd stops reading, lines beyond a bounded buffer are dropped (a full log
// FIFO must not stall the shim; containerd#4546).
import { constants, openSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { RUNTIME_NAME } from './version.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

const MAX_BUFFERED_LOG = 1 << 20;

/** Opens the FIFO for writing without waiting for a reader; undefined when there is none. */
export function openLogFifo(path: string): number | undefined {
  try {
    return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
}

export function createLogger(fd: number, debug: boolean, fields: Record<string, unknown>): Logger {
  const destination = pino.destination({ fd, sync: false, maxLength: MAX_BUFFERED_LOG, minLength: 0 });
  destination.on('error', () => undefined);
  return pino(
    {
      level: debug ? 'debug' : 'info',
      base: { runtime: RUNTIME_NAME, pid: process.pid, ...fields },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

export function logFn(logger: Logger): LogFn {
  return (level, msg, fields) => {
    if (fields) logger[level](fields, msg);
    else logger[level](msg);
  };
}
