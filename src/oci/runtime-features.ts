// What `runc features` (or `crun features`) prints, reduced to what spec generation asks about.

export interface RuntimeFeatures {
  mountOptions: string[];
}

/** Parses the features JSON; a runtime too old to have the command gives no features at all. */
export function parseRuntimeFeatures(json: string): RuntimeFeatures {
  const document: unknown = JSON.parse(json);
  if (typeof document !== 'object' || document === null)
    throw new Error('runtime features: not a JSON object');
  const options = (document as { mountOptions?: unknown }).mountOptions;
  const mountOptions = Array.isArray(options)
    ? options.filter((o): o is string => typeof o === 'string')
    : [];
  return { mountOptions };
}

export function supportsRecursiveReadOnly(features: RuntimeFeatures | undefined): boolean {
  return features?.mountOptions.includes('rro') ?? false;
}
