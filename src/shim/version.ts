// What -v and -info report: the package version and git revision the build recorded (src/build-info.ts), read on
// demand because only -v and -info need them, not the start path.
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInfo as readBuildInfo, type BuildInfo } from '../build-info.ts';

export const RUNTIME_NAME = 'io.containerd.runc.v2';

export function buildInfo(): BuildInfo {
  return readBuildInfo(dirname(fileURLToPath(import.meta.url)));
}

export function versionText(argv0: string, info: BuildInfo = buildInfo()): string {
  return `${basename(argv0)}:\n  Version:  ${info.version}\n  Revision: ${info.revision}\n  Go version: node ${process.version}\n\n`;
}
