// The containerd process behind a socket, and the environment it runs with: containerd looks a shim up in its own
// PATH and passes its environment (OTEL_* included) to every shim it starts, so what matters is that process's
// environment, not the shell's the doctor runs in.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';

/** /proc/net/unix's flag for a listening socket (__SO_ACCEPTCON) */
const ACCEPTING = 0x10000;

/** Inodes of the listening unix sockets bound at path, from /proc/net/unix's table. */
export function listeningInodes(table: string, path: string): string[] {
  const wanted = resolve(path);
  const inodes: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    // Num RefCount Protocol Flags Type St Inode Path
    const cols = line.trim().split(/\s+/);
    if (cols.length < 8) continue;
    if ((parseInt(cols[3]!, 16) & ACCEPTING) === 0) continue;
    if (cols.slice(7).join(' ') === wanted) inodes.push(cols[6]!);
  }
  return inodes;
}

/** The pid of the process holding a listening socket bound at path, or undefined. */
export function socketOwner(path: string, proc = '/proc'): number | undefined {
  let table;
  try {
    table = readFileSync(`${proc}/net/unix`, 'utf8');
  } catch {
    return undefined;
  }
  const links = new Set(listeningInodes(table, path).map((inode) => `socket:[${inode}]`));
  if (links.size === 0) return undefined;
  for (const entry of readdirSync(proc)) {
    if (!/^\d+$/.test(entry)) continue;
    let fds;
    try {
      fds = readdirSync(`${proc}/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        if (links.has(readlinkSync(`${proc}/${entry}/fd/${fd}`))) return Number(entry);
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/** A process's environment, from /proc/<pid>/environ (readable by root and by its owner). */
export function processEnvironment(pid: number, proc = '/proc'): Record<string, string> | undefined {
  let raw;
  try {
    raw = readFileSync(`${proc}/${pid}/environ`, 'utf8');
  } catch {
    return undefined;
  }
  const env: Record<string, string> = {};
  for (const item of raw.split('\0')) {
    const eq = item.indexOf('=');
    if (eq > 0) env[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return env;
}

/** The executable a process runs, or undefined. */
export function processExecutable(pid: number, proc = '/proc'): string | undefined {
  try {
    return readlinkSync(`${proc}/${pid}/exe`);
  } catch {
    return undefined;
  }
}
