// Node modules the shim loads on first use only, each costing a process memory and start-up time once loaded.
// Through createRequire rather than process.getBuiltinModule, which Node 20 has only
// from 20.16.
import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

export function lazyV8(): typeof import('node:v8') {
  return requireBuiltin('node:v8') as typeof import('node:v8');
}
