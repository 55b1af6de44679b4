import defaultProfileDocument from '../../profiles/default.json' with { type: 'json' };
import { checkProfile } from './load-profile.ts';
import type { SeccompProfile } from './types.ts';
import { DocumentValidationError } from '../validation/document-error.ts';

let cached: SeccompProfile | undefined;

/** profiles/default.json (bundled into the build), validated once. */
export function defaultProfile(): SeccompProfile {
  if (cached) return cached;
  const check = checkProfile(defaultProfileDocument);
  if (!check.ok) throw new DocumentValidationError('profiles/default.json', check.issues);
  cached = check.profile;
  return cached;
}
