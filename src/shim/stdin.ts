// What containerd writes to the stdin of `start` and `-info`: a protobuf message, or nothing.
import { readFileSync } from 'node:fs';
import { isatty } from 'node:tty';

const MAX_STDIN = 10 << 20;
/** no stdin at all (a terminal, a non-blocking or closed fd) reads as empty */
const NOTHING_TO_READ = new Set(['EAGAIN', 'EOF', 'EBADF']);

/** Reads fd (the process's stdin, or the one a start client passed to a spare) to its end. */
export function readStdin(action: string, fd = 0): Uint8Array {
  if (fd < 0 || isatty(fd)) return new Uint8Array();
  let data: Buffer;
  try {
    data = readFileSync(fd);
  } catch (err) {
    if (NOTHING_TO_READ.has((err as NodeJS.ErrnoException).code ?? '')) return new Uint8Array();
    throw err;
  }
  if (data.length > MAX_STDIN) throw new Error(`${action}: stdin larger than ${MAX_STDIN} bytes`);
  return data;
}
