export { KNOWN_CAPABILITIES, normalizeCapability } from './capabilities.ts';
export { DEFAULT_CAPABILITIES, OCI_VERSION, defaultSpec } from './default-spec.ts';
export {
  DEFAULT_PATH_ENV,
  generateSpec,
  type BindMount,
  type SeccompChoice,
  type SpecOptions,
} from './generate-spec.ts';
export { parseRuntimeFeatures, supportsRecursiveReadOnly, type RuntimeFeatures } from './runtime-features.ts';
export type { IdMapping, Mount, Spec } from './types.ts';
export { assertValidLinuxSeccomp, assertValidSpec, checkLinuxSeccomp, checkSpec } from './validate-spec.ts';
