export { Runc } from './runc.ts';
export { readPidFile, parsePids, parseState } from './parse.ts';
export {
  RuncError,
  isContainerNotExist,
  isProcessAlreadyFinished,
  failurePrefix,
  runtimeReason,
} from './errors.ts';
export { lastLoggedError, logSize, readLogSince } from './log.ts';
export * from './args.ts';
export type * from './types.ts';
