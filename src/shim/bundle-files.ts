// Files the shim keeps in the bundle so that the `delete` action (run after the shim may have died) and
// restarted daemons can find what they need.
import { readFileSync, renameSync, writeFileSync, existsSync, openSync, closeSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RuncOptions } from '../api/types.ts';

export const BundleFile = {
  address: 'address',
  options: 'options.json',
  runtime: 'runtime',
  initPid: 'init.pid',
  runcLog: 'log.json',
  config: 'config.json',
  shimLog: 'log',
} as const;

/** write then rename, so a reader never sees half a file (no fsync: bundles live on tmpfs under /run, and
 *  `start` is on every container's start path) */
export function writeFileAtomic(path: string, data: string, mode: number): void {
  const tmp = join(path, '..', `.${path.split('/').pop()}.${process.pid}`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function writeAddressFile(bundle: string, address: string): void {
  writeFileAtomic(join(bundle, BundleFile.address), address, 0o666);
}

/** JSON with the proto field names, as the Go shim writes it (omitting empty values) */
export function writeOptionsFiles(bundle: string, options: Partial<RuncOptions>): void {
  const json: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options))
    if (v !== '' && v !== 0 && v !== false && v != null) json[k] = v;
  writeFileSync(join(bundle, BundleFile.options), JSON.stringify(json), { mode: 0o600 });
  writeFileSync(join(bundle, BundleFile.runtime), options.binary_name ?? '', { mode: 0o600 });
}

export function readOptionsFile(bundle: string): Partial<RuncOptions> {
  const path = join(bundle, BundleFile.options);
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, 'utf8')) as Partial<RuncOptions>;
}

export function readRuntimeFile(bundle: string): string {
  try {
    return readFileSync(join(bundle, BundleFile.runtime), 'utf8').trim();
  } catch {
    return '';
  }
}

export function readPidFile(path: string): number {
  const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`invalid pid in ${path}`);
  return pid;
}

export interface BundleSpec {
  annotations?: Record<string, string>;
  linux?: { namespaces?: { type: string; path?: string }[] };
  root?: { path?: string };
}

export function readBundleSpec(bundle: string): BundleSpec {
  return JSON.parse(readFileSync(join(bundle, BundleFile.config), 'utf8')) as BundleSpec;
}
