// A document that failed its JSON Schema (a seccomp profile, an OCI spec), with every problem at its JSON path:
// shared by src/seccomp and src/oci.
import type { ErrorObject } from 'ajv';
import { appendPathSegment, pointerToJsonPath } from './json-path.ts';

export interface ValidationIssue {
  /** JSON path of the offending value, e.g. `$.syscalls[3].action`. */
  path: string;
  message: string;
}

export function formatIssue(issue: ValidationIssue): string {
  return `${issue.path}: ${issue.message}`;
}

/** Thrown when a document fails validation; carries every issue, not only the first. */
export class DocumentValidationError extends Error {
  readonly issues: ValidationIssue[];

  constructor(what: string, issues: ValidationIssue[]) {
    super(`${what} is invalid:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    this.name = 'DocumentValidationError';
    this.issues = issues;
  }
}

function stringParam(params: Record<string, unknown>, key: string): string | undefined {
  const value = params[key];
  return typeof value === 'string' ? value : undefined;
}

function issueFromAjv(
  error: ErrorObject,
  explain: (error: ErrorObject) => string | undefined,
): ValidationIssue {
  // Errors about an object's key (propertyNames) carry the key separately from the object's path.
  const owner = pointerToJsonPath(error.instancePath);
  const base = error.propertyName === undefined ? owner : appendPathSegment(owner, error.propertyName);
  const params = error.params as Record<string, unknown>;
  const missing = stringParam(params, 'missingProperty');
  const extra = stringParam(params, 'additionalProperty');
  const dependent = stringParam(params, 'property');
  const custom = explain(error);
  if (error.keyword === 'dependencies' && dependent)
    return {
      path: appendPathSegment(base, dependent),
      message: custom ?? `needs ${missing ?? 'another property'}`,
    };
  if (custom) return { path: base, message: custom };
  if (error.keyword === 'required' && missing)
    return { path: appendPathSegment(base, missing), message: 'is required' };
  if (error.keyword === 'additionalProperties' && extra)
    return { path: appendPathSegment(base, extra), message: 'is not an allowed property' };
  const what = error.message ?? 'is invalid';
  if (error.propertyName !== undefined)
    return { path: base, message: `is not an allowed name: ${what}${allowedSuffix(params)}` };
  return { path: base, message: `${what}${allowedSuffix(params)}` };
}

function allowedSuffix(params: Record<string, unknown>): string {
  const allowed = params['allowedValues'];
  return Array.isArray(allowed) ? ` (${allowed.map((v) => JSON.stringify(v)).join(', ')})` : '';
}

/**
 * Turns Ajv's errors into one issue per problem. `if` errors only restate the `then` error under them, and a
 * propertyNames error only says that the name error under it exists, so both are dropped.
 */
export function issuesFromAjv(
  errors: ErrorObject[] | null | undefined,
  explain: (error: ErrorObject) => string | undefined = () => undefined,
): ValidationIssue[] {
  const issues = (errors ?? [])
    .filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames')
    .map((e) => issueFromAjv(e, explain));
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = formatIssue(issue);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
