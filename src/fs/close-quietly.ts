// Closing an fd on a path that is already failing or ending: an fd that is gone has nothing left to release.
import { closeSync } from 'node:fs';

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
