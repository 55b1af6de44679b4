export interface BuildInfo {
  version: string;
  revision: string;
}
export function gitRevision(root?: string): string | undefined;
export function buildInfo(root?: string, env?: Record<string, string | undefined>): BuildInfo;
export function writeBuildInfo(outdir: string, root?: string): BuildInfo;
