// A feed fetched from another process is checked before the router acts on it. The check is
// the published schema read tolerantly: a key this router does not know is allowed (an
// evaluator upgraded before its routers adds fields; the router ignores them), while a
// missing key, a wrong type or an unknown role refuses the whole document. A refused feed is
// never half-applied: the last good one stays and goes stale by the fail-safe rule.

import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { WarmpathError } from '../core/errors.ts';
import { schemaErrorLine } from '../core/schema-errors.ts';
import { eligibilityFeedSchema } from '../schemas/json-schemas.ts';
import type { EligibilityFeed } from '../schemas/index.ts';

/** A copy of `schema` with every `additionalProperties: false` dropped. */
export function tolerantOf(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(tolerantOf);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'additionalProperties' && value === false) continue;
    copy[key] = tolerantOf(value);
  }
  return copy;
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
addFormatsPlugin.default(ajv);
const validateFeed = ajv.compile<EligibilityFeed>(tolerantOf(eligibilityFeedSchema) as Record<string, unknown>);
const maxListedErrors = 5;

/** The feed in an answer's body text, or RTR_FEED_INVALID (not JSON, or not a feed). */
export function parseFeed(text: string): EligibilityFeed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new WarmpathError('RTR_FEED_INVALID', `not JSON: ${(err as Error).message}`);
  }
  return readFeed(value);
}

/** The feed in `value`, or RTR_FEED_INVALID naming the first few places it is wrong. */
export function readFeed(value: unknown): EligibilityFeed {
  if (validateFeed(value)) return value;
  const lines = [...new Set((validateFeed.errors ?? []).map(schemaErrorLine))];
  const listed = lines.slice(0, maxListedErrors).join('; ');
  const more = lines.length > maxListedErrors ? ` (and ${lines.length - maxListedErrors} more)` : '';
  throw new WarmpathError('RTR_FEED_INVALID', `${listed}${more}`, { details: { errors: lines } });
}
