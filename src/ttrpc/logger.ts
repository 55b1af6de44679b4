// The small logging surface ttrpc needs (pino-style: fields first, then the message).
export interface TtrpcLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: TtrpcLogger = {
  debug() {},
  warn() {},
};
