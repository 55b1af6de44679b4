import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Go's exec.LookPath: a name with a slash is used as is, anything else is searched in $PATH. */
export function lookPath(name: string, path = process.env.PATH ?? ''): string {
  const candidates = name.includes('/') ? [name] : path.split(delimiter).map((d) => join(d || '.', name));
  for (const file of candidates) {
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* next */
    }
  }
  throw new Error(`exec: ${JSON.stringify(name)}: executable file not found in $PATH`);
}
