// Parsing what the runtime prints or writes: pid files, `state` and `ps --format json` output.
import { readFile } from '../fs/callback-promises.ts';
import type { RuncState } from './types.ts';

export async function readPidFile(path: string): Promise<number> {
  const text = (await readFile(path, 'utf8')).trim();
  if (!/^\d+$/.test(text)) throw new Error(`invalid pid file ${path}: ${JSON.stringify(text)}`);
  return Number(text);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseState(json: string): RuncState {
  const v: unknown = JSON.parse(json);
  if (!isRecord(v)) throw new Error('runtime state is not a JSON object');
  const str = (k: string): string => {
    const x = v[k];
    if (typeof x !== 'string') throw new Error(`runtime state: field ${k} is not a string`);
    return x;
  };
  const pid = v.pid;
  if (typeof pid !== 'number' || !Number.isInteger(pid))
    throw new Error('runtime state: field pid is not an integer');
  const state: RuncState = {
    ociVersion: str('ociVersion'),
    id: str('id'),
    pid,
    status: str('status'),
    bundle: str('bundle'),
    rootfs: typeof v.rootfs === 'string' ? v.rootfs : '',
    created: typeof v.created === 'string' ? v.created : '',
  };
  if (typeof v.owner === 'string') state.owner = v.owner;
  if (isRecord(v.annotations)) {
    const annotations: Record<string, string> = {};
    for (const [k, x] of Object.entries(v.annotations)) if (typeof x === 'string') annotations[k] = x;
    state.annotations = annotations;
  }
  return state;
}

/** `ps --format json` prints a JSON array of pids (runc prints `null` for none in some versions). */
export function parsePids(json: string): number[] {
  const v: unknown = JSON.parse(json.trim() || 'null');
  if (v === null) return [];
  if (!Array.isArray(v) || !v.every((p): p is number => typeof p === 'number' && Number.isInteger(p))) {
    throw new Error(`runtime ps: expected a JSON array of pids, got ${json.trim().slice(0, 200)}`);
  }
  return v;
}
