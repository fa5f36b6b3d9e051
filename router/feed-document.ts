// A feed fetched from another process is checked before the router acts on it. The check is
// the published schema read tolerantly, so that an evaluator upgraded before its routers
// does not cut them off: a key this router does not know is allowed, and the window figures
// it only displays (`warmth`, `parity`: a newer evaluator may add a measure to their enums)
// need only be objects. What the router acts on (version, ttl, each entry's workload, route,
// role and verdict) must be as published, or the whole document is refused. A refused feed
// is never half-applied: the last good one stays and goes stale by the fail-safe rule.

import { WarmpathError } from '../core/errors.ts';
import { compileOwnSchema, schemaErrorLines } from '../core/schema-errors.ts';
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

/** The schema as a router reads it (see the top of this file). */
export function readerSchema(): Record<string, unknown> {
  const schema = tolerantOf(eligibilityFeedSchema) as { properties: { routes: { items: { properties: Record<string, unknown> } } } };
  const entry = schema.properties.routes.items.properties;
  for (const displayedOnly of ['warmth', 'parity']) entry[displayedOnly] = { type: 'object' };
  return schema as unknown as Record<string, unknown>;
}

const validateFeed = compileOwnSchema<EligibilityFeed>(readerSchema());
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
  const lines = schemaErrorLines(validateFeed.errors ?? []);
  const listed = lines.slice(0, maxListedErrors).join('; ');
  const more = lines.length > maxListedErrors ? ` (and ${lines.length - maxListedErrors} more)` : '';
  throw new WarmpathError('RTR_FEED_INVALID', `${listed}${more}`, { details: { errors: lines } });
}
