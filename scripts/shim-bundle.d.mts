export function buildShim(
  outdir: string,
  variant?: { onefile?: boolean; externalDeps?: boolean; minify?: boolean },
): Promise<void>;
