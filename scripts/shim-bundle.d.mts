export function buildShim(
  outdir: string,
  variant?: {
    onefile?: boolean;
    externalDeps?: boolean;
    minify?: boolean;
    alias?: Record<string, string>;
    loadDir?: string;
  },
): Promise<void>;
