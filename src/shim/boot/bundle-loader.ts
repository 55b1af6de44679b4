// Loads one of the shim's CommonJS bundles (dist/shim/<name>.cjs) with the V8 code cache `npm run build` made
// for it (<name>.cjs.cache): the bytecode of everything the bundle runs while it loads, so V8 neither parses nor
// compiles it again: the load is on the path of every container start (bench lever nocache).
// V8 refuses a cache made by another Node.js version or under other V8 flags (TSSHIM_DAEMON_NODE_FLAGS); the
// bundle is then compiled as require() would. TSSHIM_CODE_CACHE=0 skips the cache.
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

export interface LoadedBundle {
  exports: unknown;
  /** whether V8 took the code cache */
  cached: boolean;
}

type CommonJsWrapper = (
  exports: unknown,
  require: NodeJS.Require,
  module: { exports: unknown },
  filename: string,
  dirname: string,
) => void;

function readCache(file: string): Buffer | undefined {
  if (process.env.TSSHIM_CODE_CACHE === '0') return undefined;
  try {
    return readFileSync(`${file}.cache`);
  } catch {
    return undefined;
  }
}

/** what loadBundle did per bundle, for the daemon's boot log (the daemon is a bundle of its own, with its own copy
 *  of this module, hence a global) */
const LOADED_KEY = Symbol.for('tsshim.loadedBundles');

export function loadedBundles(): Record<string, boolean> {
  return ((globalThis as Record<symbol, unknown>)[LOADED_KEY] as Record<string, boolean> | undefined) ?? {};
}

function record(name: string, cached: boolean): void {
  (globalThis as Record<symbol, unknown>)[LOADED_KEY] = { ...loadedBundles(), [name]: cached };
}

export function loadBundle(dir: string, name: string): LoadedBundle {
  const loaded = loadUncounted(dir, name);
  record(name, loaded.cached);
  return loaded;
}

function loadUncounted(dir: string, name: string): LoadedBundle {
  const file = join(dir, `${name}.cjs`);
  const require = createRequire(file);
  const cachedData = readCache(file);
  if (!cachedData) return { exports: require(file), cached: false };
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const wrapper = script.runInThisContext() as CommonJsWrapper;
  const module = { exports: {} as unknown };
  wrapper.call(module.exports, module.exports, require, module, file, dir);
  return { exports: module.exports, cached: !script.cachedDataRejected };
}
