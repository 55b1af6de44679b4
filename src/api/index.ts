export * from './codec.ts';
export * from './any.ts';
export * from './timestamp.ts';
export * from './types.ts';
