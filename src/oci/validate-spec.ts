import AjvDraft04Module from 'ajv-draft-04';
import type { ValidateFunction } from 'ajv';
import configLinux from './schema/config-linux.json' with { type: 'json' };
import configSchema from './schema/config-schema.json' with { type: 'json' };
import defsLinux from './schema/defs-linux.json' with { type: 'json' };
import defs from './schema/defs.json' with { type: 'json' };
import {
  DocumentValidationError,
  issuesFromAjv,
  type ValidationIssue,
} from '../validation/document-error.ts';

// The runtime-spec schema is draft-04 and its files reference each other by file name, so every file is
// registered under that name. strictSchema is off because config-linux.json has a non-keyword top-level key
// ("linux"), as the upstream files do.
let validators: { config: ValidateFunction; seccomp: ValidateFunction } | undefined;

function specValidators(): { config: ValidateFunction; seccomp: ValidateFunction } {
  if (validators) return validators;
  const ajv = new AjvDraft04Module.default({ allErrors: true, strictSchema: false });
  ajv.addSchema(defs, 'defs.json');
  ajv.addSchema(defsLinux, 'defs-linux.json');
  ajv.addSchema(configLinux, 'config-linux.json');
  ajv.addSchema(configSchema, 'config-schema.json');
  const config = ajv.getSchema('config-schema.json');
  const seccomp = ajv.getSchema('config-linux.json#/linux/properties/seccomp');
  if (!config || !seccomp) throw new Error('OCI runtime-spec schema failed to compile');
  validators = { config, seccomp };
  return validators;
}

export function checkSpec(spec: unknown): ValidationIssue[] {
  const { config } = specValidators();
  return config(spec) ? [] : issuesFromAjv(config.errors);
}

/** Checks a linux.seccomp object alone; paths are reported relative to the spec (`$.linux.seccomp...`). */
export function checkLinuxSeccomp(seccomp: unknown): ValidationIssue[] {
  const validate = specValidators().seccomp;
  if (validate(seccomp)) return [];
  return issuesFromAjv(validate.errors).map((issue) => ({
    path: issue.path.replace(/^\$/, '$.linux.seccomp'),
    message: issue.message,
  }));
}

export function assertValidSpec(spec: unknown): void {
  const issues = checkSpec(spec);
  if (issues.length > 0) throw new DocumentValidationError('OCI runtime spec', issues);
}

export function assertValidLinuxSeccomp(seccomp: unknown): void {
  const issues = checkLinuxSeccomp(seccomp);
  if (issues.length > 0) throw new DocumentValidationError('OCI linux.seccomp', issues);
}
