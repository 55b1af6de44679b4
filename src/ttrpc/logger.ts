// The small logging surface ttrpc needs; a pino logger fits it.
export interface TtrpcLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: TtrpcLogger = {
  debug() {},
  warn() {},
};
