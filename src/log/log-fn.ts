// The one shape every layer logs through: the shim passes down its log function (pino writing into the log
// containerd copies), and the layers below it know nothing of how lines are written.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;
