export const defaultLauncherPath: string;
export const defaultMainPath: string;
export const defaultStartClientPath: string;
export function launcherScript(paths: {
  node: string;
  main: string;
  startClient?: string;
  daemonFlags?: readonly string[];
}): string;
export function builtDaemonFlags(main: string): string[];
export function resolveNode(requested?: string): string;
export function writeLauncher(opts?: { node?: string; main?: string; out?: string }): string;
