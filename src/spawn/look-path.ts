// Go-style messages for a program that cannot be started, so callers (and logs) name the missing binary.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The path `file` resolves to through PATH (as execvp does), or undefined when nothing executable is found. */
export function lookPath(file: string, pathVar: string | undefined): string | undefined {
  if (file.includes('/')) return isExecutableFile(file) ? file : undefined;
  for (const dir of (pathVar ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir || '.', file);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

const reasons: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  ENOEXEC: 'exec format error',
  ENOTDIR: 'not a directory',
};

/** The error for a program that could not be started; `cause` is the spawn error code when known (ENOENT...). */
export function startError(file: string, pathVar: string | undefined, cause?: string): Error {
  if (!file.includes('/') && lookPath(file, pathVar) === undefined)
    return Object.assign(new Error(`exec: "${file}": executable file not found in $PATH`), {
      code: 'ENOENT',
    });
  const reason = cause === undefined ? 'cannot start the program' : (reasons[cause] ?? cause);
  const error = new Error(`fork/exec ${file}: ${reason}`);
  return cause === undefined ? error : Object.assign(error, { code: cause });
}
