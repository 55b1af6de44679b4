// Reading the runtime's own explanation of a failure from its log file (`--log <bundle>/log.json`).
import { close, fstat, open, readAt, stat } from '../fs/callback-promises.ts';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// logrus text format: time="…" level=error msg="…"
const TEXT_ERROR = /(?:^|\s)level=(?:error|fatal)\s(?:.*\s)?msg=("(?:[^"\\]|\\.)*"|\S+)/;

function textLineError(line: string): string | undefined {
  const m = TEXT_ERROR.exec(line);
  if (!m) return undefined;
  const raw = m[1] ?? '';
  if (!raw.startsWith('"')) return raw;
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'string' ? parsed : undefined;
  } catch {
    return raw.slice(1, -1);
  }
}

function jsonLineError(line: string): string | undefined {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(entry) || typeof entry.msg !== 'string') return undefined;
  const level = typeof entry.level === 'string' ? entry.level.toLowerCase() : '';
  return level === 'error' || level === 'fatal' ? entry.msg : undefined;
}

/** The msg of the last error entry in a chunk of runc/crun log output (JSON or logrus text lines);
 *  lines that are neither are skipped, so a torn or foreign line cannot hide the error. */
export function lastLoggedError(text: string): string | undefined {
  let last: string | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    const msg = line.startsWith('{') ? jsonLineError(line) : textLineError(line);
    if (msg !== undefined && msg.trim() !== '') last = msg.trim();
  }
  return last;
}

/** Current size of the log, the point from which one invocation's entries are read. */
export async function logSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** What was appended to the log since `offset`; the whole file when it shrank (rotated or truncated). */
export async function readLogSince(path: string, offset: number): Promise<string> {
  let fd: number;
  try {
    fd = await open(path, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await fstat(fd);
    const from = size < offset ? 0 : offset;
    const length = size - from;
    if (length <= 0) return '';
    const buf = Buffer.alloc(length);
    const bytesRead = await readAt(fd, buf, length, from);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await close(fd);
  }
}
