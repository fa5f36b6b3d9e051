// JSON helpers shared by the structural checks and the semantic text: parsing (memoised per
// answer, since up to four checks read the same content), canonical rendering, and the
// ajv validator cache for user-supplied schemas (the hot path of the scorer).

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import type { Answer } from './types.ts';

export type Parsed =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: string };

export type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

const EMPTY: Parsed = { ok: false, error: 'content is empty' };

export function parseJson(text: string | null): Parsed {
  if (text === null || text.trim() === '') return EMPTY;
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

// Keyed by object identity: answers are immutable, so a memo cannot go stale, and a
// WeakMap lets them be collected with the answer.
const contentCache = new WeakMap<Answer, Parsed>();

/** The answer's content parsed as JSON, strictly (as a client's JSON.parse would). */
export function parsedContent(answer: Answer): Parsed {
  let parsed = contentCache.get(answer);
  if (parsed === undefined) {
    parsed = parseJson(answer.content);
    contentCache.set(answer, parsed);
  }
  return parsed;
}

const FENCE = /^\s*```[\w-]*[ \t]*\r?\n([\s\S]*?)\r?\n?```\s*$/;

/** The inside of a single surrounding Markdown code fence, or undefined when not fenced. */
export function fenceInner(text: string): string | undefined {
  if (!text.trimStart().startsWith('```')) return undefined;
  return FENCE.exec(text)?.[1];
}

export function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  if (t === 'string' || t === 'number' || t === 'boolean') return t;
  return 'object';
}

/** JSON with object keys sorted at every depth, so key order never changes the text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonicalJson(value[i]);
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    out += (i > 0 ? ',' : '') + JSON.stringify(k) + ':' + canonicalJson(record[k]);
  }
  return out + '}';
}

// --- schema validation -------------------------------------------------------------------

// User schemas are arbitrary: strict off (unknown keywords are not our business), first
// error only, no console warnings for unknown formats.
const ajv = new Ajv({ allErrors: false, strict: false, logger: false });
// ajv-formats is CommonJS: under nodenext its plugin function sits on `.default`.
addFormatsPlugin.default(ajv);

/** Distinct schemas kept compiled; the oldest is dropped (and removed from ajv) beyond this. */
export const SCHEMA_CACHE_SIZE = 256;

interface CachedSchema {
  readonly schema: Record<string, unknown> | undefined;
  readonly validate: ValidateFunction | undefined;
}

const byText = new Map<string, CachedSchema>();
// Records are parsed per pair, so the same schema object rarely repeats; but when it does
// (the lead's request mapping may share one), identity skips the JSON.stringify.
const byObject = new WeakMap<object, CachedSchema>();

function compile(text: string): CachedSchema {
  // A private copy: ajv keeps it in its own cache until we evict it. Top-level $id and
  // $schema are dropped so two users' schemas with one $id cannot collide and a draft
  // ajv does not bundle cannot stop the compile.
  const own = JSON.parse(text) as Record<string, unknown>;
  delete own.$id;
  delete own.$schema;
  try {
    return { schema: own, validate: ajv.compile(own) };
  } catch {
    return { schema: undefined, validate: undefined };
  }
}

/** The compiled validator for a schema, or undefined when ajv cannot compile it. */
export function schemaValidator(schema: Record<string, unknown>): ValidateFunction | undefined {
  const known = byObject.get(schema);
  if (known !== undefined) return known.validate;
  const text = JSON.stringify(schema);
  let cached = byText.get(text);
  if (cached === undefined) {
    cached = compile(text);
    byText.set(text, cached);
    if (byText.size > SCHEMA_CACHE_SIZE) {
      const oldestKey = byText.keys().next().value as string;
      const oldest = byText.get(oldestKey);
      byText.delete(oldestKey);
      if (oldest?.schema !== undefined) ajv.removeSchema(oldest.schema);
    }
  }
  byObject.set(schema, cached);
  return cached.validate;
}

/** ajv's first error as one short line: "/unit must be equal to one of the allowed values". */
export function schemaErrorText(errors: readonly ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (e === undefined) return 'does not validate';
  const at = e.instancePath === '' ? '/' : e.instancePath;
  const extra =
    e.keyword === 'additionalProperties'
      ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty)})`
      : e.keyword === 'enum'
        ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})`
        : '';
  return `${at} ${e.message ?? e.keyword}${extra}`;
}

/** Validates a value; undefined when it validates, else the first error. */
export function validateAgainst(validate: ValidateFunction, value: unknown): string | undefined {
  return validate(value) ? undefined : schemaErrorText(validate.errors);
}
