// How ttrpc reports what it cannot answer to a peer: a plain function, so that the embedder passes its own
// logger (the shim's log function) and ttrpc knows nothing of it.
export type TtrpcLogLevel = 'debug' | 'info' | 'warn' | 'error';

export type TtrpcLogger = (level: TtrpcLogLevel, msg: string, fields?: Record<string, unknown>) => void;

export const silentLogger: TtrpcLogger = () => undefined;
