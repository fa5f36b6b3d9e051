import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWarmpathError } from '../core/errors.ts';
import { eligibilityFeedSchema } from '../schemas/json-schemas.ts';
import { parseFeed, readFeed, tolerantOf } from './feed-document.ts';

const entry = {
  workload: 'support',
  route: 'claude',
  role: 'secondary',
  eligible: true,
  reasons: [],
  since: '2026-11-22T10:00:00.000Z',
  warmth: { samples: 40, window_s: 900, newest_sample_age_s: 3, shadow_calls: 41, error_rate: 0 },
  parity: { pass_rate: 1, lower_bound: 0.91, min_pass_rate: 0.9, noise_floor: null, twins: 0, similarity_source: 'lexical', similarity_mean: 0.97, failing_checks: [] },
};
const feed = { version: 3, generated_at: '2026-11-22T10:00:05.000Z', ttl_s: 60, routes: [entry] };

/** The feed with one change made at a path: `undefined` deletes the key. */
function withChange(path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(feed) as Record<string, unknown>;
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

function refusal(read: () => unknown): string {
  try {
    read();
  } catch (err) {
    assert.ok(isWarmpathError(err), `a WarmpathError, got ${String(err)}`);
    assert.equal(err.code, 'RTR_FEED_INVALID');
    return err.message;
  }
  assert.fail('the feed was accepted');
}

test('a feed as the evaluator publishes it is read as is', () => {
  assert.deepEqual(readFeed(structuredClone(feed)), feed);
  assert.deepEqual(parseFeed(JSON.stringify(feed)), feed);
});

test('keys a newer evaluator adds are ignored, at every level', () => {
  const cases: { where: string; path: (string | number)[] }[] = [
    { where: 'the document', path: ['region'] },
    { where: 'an entry', path: ['routes', 0, 'confidence'] },
    { where: 'warmth', path: ['routes', 0, 'warmth', 'p95_age_s'] },
    { where: 'parity', path: ['routes', 0, 'parity', 'judge_agreement'] },
  ];
  for (const c of cases) assert.doesNotThrow(() => readFeed(withChange(c.path, 0.5)), c.where);
});

test('the window figures a router only displays need only be objects', () => {
  const cases: { where: string; path: (string | number)[]; value: unknown }[] = [
    { where: 'a measure added after this router', path: ['routes', 0, 'parity', 'similarity_source'], value: 'judge' },
    { where: 'a figure given as text', path: ['routes', 0, 'warmth', 'samples'], value: 'many' },
  ];
  for (const c of cases) assert.doesNotThrow(() => readFeed(withChange(c.path, c.value)), c.where);
});

test('an older evaluator\'s feed, without the keys added since, is read', () => {
  assert.doesNotThrow(() => readFeed(withChange(['routes', 0, 'parity', 'similarity_source'], undefined)));
  assert.doesNotThrow(() => readFeed(withChange(['routes', 0, 'parity'], {})));
});

test('a document that is not a feed is refused, naming where', () => {
  const cases: { what: string; value: unknown; says: RegExp }[] = [
    { what: 'no routes', value: withChange(['routes'], undefined), says: /^eligibility feed refused: \/ must have required key "routes"$/ },
    { what: 'eligible as text', value: withChange(['routes', 0, 'eligible'], 'yes'), says: /\/routes\/0\/eligible must be boolean/ },
    { what: 'an unknown role', value: withChange(['routes', 0, 'role'], 'tertiary'), says: /\/routes\/0\/role must be one of: "primary", "secondary"/ },
    { what: 'a negative ttl', value: withChange(['ttl_s'], -1), says: /\/ttl_s must be >= 0/ },
    { what: 'a time that is not one', value: withChange(['generated_at'], 'yesterday'), says: /\/generated_at must match format "date-time"/ },
    { what: 'parity not an object', value: withChange(['routes', 0, 'parity'], 'good'), says: /\/routes\/0\/parity must be object/ },
    { what: 'an entry without its verdict', value: withChange(['routes', 0, 'eligible'], undefined), says: /\/routes\/0 must have required key "eligible"/ },
    { what: 'an array', value: [feed], says: /^eligibility feed refused: \/ must be object$/ },
    { what: 'an error body', value: { error: { message: 'admin token required' } }, says: /must have required key "version"; \/ must have required key "generated_at"; .* "routes"/ },
  ];
  for (const c of cases) assert.match(refusal(() => readFeed(c.value)), c.says, c.what);
});

test('text that is not JSON is refused as such', () => {
  assert.match(refusal(() => parseFeed('<html>502 Bad Gateway</html>')), /^eligibility feed refused: not JSON: /);
});

test('a document wrong in many places lists five of them and counts the rest', () => {
  const routes = Array.from({ length: 8 }, (_, i) => ({ ...entry, route: `r${i}`, eligible: 'no' }));
  assert.match(refusal(() => readFeed({ ...feed, routes })), /\/routes\/4\/eligible must be boolean \(and 3 more\)$/);
});

test('the tolerant copy leaves the published schema strict', () => {
  const before = JSON.stringify(eligibilityFeedSchema);
  const tolerant = JSON.stringify(tolerantOf(eligibilityFeedSchema));
  assert.equal(JSON.stringify(eligibilityFeedSchema), before);
  assert.match(before, /"additionalProperties":false/);
  assert.doesNotMatch(tolerant, /"additionalProperties":false/);
});
