// The logging shape the tracing code reports through; the shim's logFn fits it.
export type OtelLog = (
  level: 'debug' | 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;
