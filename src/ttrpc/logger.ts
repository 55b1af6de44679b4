// How ttrpc reports what it cannot answer to a peer: through the embedder's log function (the shim's), so that
// ttrpc knows nothing of how lines are written.
import type { LogFn } from '../log/log-fn.ts';

export type { LogFn, LogLevel } from '../log/log-fn.ts';

export const silentLogger: LogFn = () => undefined;
