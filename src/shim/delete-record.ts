// The answer to containerd's `delete` action, left in the bundle by a daemon that deleted the container and shut
// down cleanly: there is nothing left to clean up, so the launcher prints it without starting Node. The text is
// the DeleteResponse's bytes as printf octal escapes behind a version tag, which sh can check and print.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './bundle-files.ts';

export const DELETE_RECORD_FILE = 'shim-delete-response';
export const DELETE_RECORD_TAG = 'tsshim-delete-response v1 ';

export function deleteRecordText(response: Uint8Array): string {
  let body = '';
  for (const byte of response) body += `\\${byte.toString(8).padStart(3, '0')}`;
  return `${DELETE_RECORD_TAG}${body}\n`;
}

/** which directory a bundle path names now: a bundle removed and made again for a new container is another */
export function bundleIdentity(bundle: string): string | undefined {
  try {
    const st = statSync(bundle);
    return `${st.dev}:${st.ino}:${st.birthtimeMs}`;
  } catch {
    return undefined;
  }
}

export interface DeletedBundle {
  bundle: string;
  identity: string | undefined;
  response: Uint8Array;
}

/** Writes the records of containers this daemon deleted, into bundles that are still the ones it deleted from. */
export function writeDeleteRecords(deleted: readonly DeletedBundle[]): number {
  let written = 0;
  for (const d of deleted) {
    if (d.identity === undefined || bundleIdentity(d.bundle) !== d.identity) continue;
    try {
      writeFileAtomic(join(d.bundle, DELETE_RECORD_FILE), deleteRecordText(d.response), 0o600);
      written++;
    } catch {
      // the bundle went away meanwhile: containerd's delete action finds no record and runs in full
    }
  }
  return written;
}
