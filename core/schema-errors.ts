// One wording for ajv's errors wherever warmpath reports them (config files, ingest records,
// prompt sets): "/path must have required key "x"", with the key or values ajv knows named.

import type { ErrorObject } from 'ajv';

/** One ajv error as a line: its JSON pointer ("/" for the root), then what is wrong there. */
export function schemaErrorLine(e: ErrorObject): string {
  return `${e.instancePath === '' ? '/' : e.instancePath} ${whatIsWrong(e)}`;
}

/** What is wrong, without the place: ajv's message, with the key or allowed values it names. */
function whatIsWrong(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `has unknown key "${String(params.additionalProperty)}"`;
    case 'required':
      return `must have required key "${String(params.missingProperty)}"`;
    case 'enum':
      return `must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'dependencies':
      return `must have "${String(params.missingProperty)}" when it has "${String(params.property)}"`;
    default:
      return e.message ?? e.keyword;
  }
}
