import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failure } from '../providers/index.ts';
import { retryWait } from './execute.ts';

const cases = [
  { name: 'Retry-After within the limit is honoured', retryAfterMs: 1500, n: 1, random: 0.5, want: 1500 },
  { name: 'Retry-After beyond the limit stops retrying', retryAfterMs: 20_000, n: 1, random: 0.5, want: undefined },
  { name: 'first backoff is jittered within base', retryAfterMs: undefined, n: 1, random: 0.5, want: 100 },
  { name: 'backoff doubles per try', retryAfterMs: undefined, n: 3, random: 0.5, want: 400 },
  { name: 'full jitter can be zero', retryAfterMs: undefined, n: 2, random: 0, want: 0 },
  { name: 'backoff capped by the limit', retryAfterMs: undefined, n: 10, random: 0.99, want: 10_000 },
];

for (const c of cases) {
  test(`retryWait: ${c.name}`, () => {
    const last = failure('rate_limited', 429, 'slow down', { retryAfterMs: c.retryAfterMs });
    assert.equal(retryWait(last, c.n, 200, 10_000, () => c.random), c.want);
  });
}
