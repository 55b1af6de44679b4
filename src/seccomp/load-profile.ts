import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import profileSchema from '../../profiles/seccomp.schema.json' with { type: 'json' };
import type { SeccompProfile } from './types.ts';
import {
  DocumentValidationError,
  issuesFromAjv,
  type ValidationIssue,
} from '../validation/document-error.ts';

export type ProfileCheck = { ok: true; profile: SeccompProfile } | { ok: false; issues: ValidationIssue[] };

let compiled: ValidateFunction | undefined;

function profileValidator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(profileSchema);
  return compiled;
}

function explainProfileError(error: ErrorObject): string | undefined {
  if (error.keyword === 'not' && error.instancePath === '')
    return 'architectures and archMap cannot both be set';
  if (error.keyword === 'dependencies') return 'listenerMetadata needs listenerPath';
  if (error.keyword === 'enum' && error.schemaPath.includes('/then/'))
    return 'errnoRet needs action SCMP_ACT_ERRNO or SCMP_ACT_TRACE';
  return undefined;
}

/** Validates an already parsed profile document against profiles/seccomp.schema.json. */
export function checkProfile(document: unknown): ProfileCheck {
  const validate = profileValidator();
  if (validate(document)) return { ok: true, profile: document as SeccompProfile };
  return { ok: false, issues: issuesFromAjv(validate.errors, explainProfileError) };
}

export function parseProfile(text: string): ProfileCheck {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    return { ok: false, issues: [{ path: '$', message: `not valid JSON: ${(err as Error).message}` }] };
  }
  return checkProfile(document);
}

export async function checkProfileFile(path: string): Promise<ProfileCheck> {
  return parseProfile(await readFile(path, 'utf8'));
}

/** Reads and validates a profile file; throws DocumentValidationError listing every problem. */
export async function loadProfileFile(path: string): Promise<SeccompProfile> {
  const check = await checkProfileFile(path);
  if (!check.ok) throw new DocumentValidationError(`seccomp profile ${path}`, check.issues);
  return check.profile;
}
