import { basename } from 'node:path';

export const RUNTIME_NAME = 'io.containerd.runc.v2';
export const SHIM_VERSION = '0.1.0';
export const SHIM_REVISION = 'tsshim';

export function versionText(argv0: string): string {
  return `${basename(argv0)}:\n  Version:  ${SHIM_VERSION}\n  Revision: ${SHIM_REVISION}\n  Go version: node ${process.version}\n\n`;
}
