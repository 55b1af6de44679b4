// Parsing of cgroup file contents into protobuf uint64 values, with the Go cgroups library's rules: negative
// numbers read as 0, values beyond 2^53 stay decimal strings (the codec takes either), "max" is per file.
import { readFileSync } from 'node:fs';

/** a protobuf uint64 as the codec accepts it: a number when exact, else its decimal string */
export type U64 = number | string;

const UINT64_MAX = 18446744073709551615n;

export function u64(text: string): U64 {
  const s = text.trim();
  if (/^-\d+$/.test(s)) return 0; // e.g. memsw limits of -1 on some kernels
  if (!/^\d+$/.test(s)) throw new Error(`not an unsigned integer: ${JSON.stringify(s)}`);
  const n = BigInt(s);
  if (n > UINT64_MAX) throw new Error(`out of the uint64 range: ${s}`);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

export const u64Max: U64 = UINT64_MAX.toString();

export function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  // a cgroup removed under an open file reads as ENODEV
  return code === 'ENOENT' || code === 'ENODEV' || code === 'ENOTDIR';
}

/** the file's text, or undefined when it does not exist */
export function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** `key value` lines (memory.stat, cpu.stat, memory.events, ...) */
export function parseKeyValues(text: string, file: string): Map<string, U64> {
  const out = new Map<string, U64>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 2) throw new Error(`${file}: malformed line ${JSON.stringify(line)}`);
    try {
      out.set(fields[0]!, u64(fields[1]!));
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message} in line ${JSON.stringify(line)}`);
    }
  }
  return out;
}

/** The v2 library's lenient single-value read: "max" is UINT64_MAX, anything unreadable 0. */
export function readU64Lenient(path: string): U64 {
  try {
    const s = readFileSync(path, 'utf8').trim();
    return s === 'max' ? u64Max : u64(s);
  } catch {
    return 0;
  }
}
