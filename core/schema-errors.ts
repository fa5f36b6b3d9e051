// warmpath's own JSON Schemas (config, ingest records, the eligibility feed) compiled one
// way, and one wording for ajv's errors wherever warmpath reports them (config files, ingest
// records, fetched feeds, prompt sets): "/path must have required key "x"", with the key or
// values ajv knows named.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';

const ownSchemas = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
// ajv-formats is CommonJS: under nodenext its plugin function sits on `.default`.
addFormatsPlugin.default(ownSchemas);

/** A validator for one of warmpath's own schemas: every error reported, strict, with formats. */
export function compileOwnSchema<T>(schema: Readonly<Record<string, unknown>>): ValidateFunction<T> {
  return ownSchemas.compile<T>(schema);
}

// Wrappers whose error repeats what an inner error already says.
const wrapperKeywords = new Set(['if', 'allOf', 'oneOf']);

/** The errors as distinct lines, wrappers left out; `line` words one error. */
export function schemaErrorLines(errors: readonly ErrorObject[], line: (e: ErrorObject) => string = schemaErrorLine): string[] {
  const lines = new Set<string>();
  for (const e of errors) if (!wrapperKeywords.has(e.keyword)) lines.add(line(e));
  return [...lines];
}

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
