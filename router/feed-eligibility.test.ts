import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import type { EligibilityFeed } from '../schemas/index.ts';
import { createFeedEligibility } from './feed-eligibility.ts';

test('fresh → grace (last feed kept) → expired (nothing eligible) → fresh again', () => {
  let now = 1_000_000;
  const clock = { now: () => now, monotonic: () => now };
  const view = createFeedEligibility({ graceMs: 30_000, clock, logger: pino({ level: 'silent' }), meter: new MeterProvider().getMeter('t') });
  assert.equal(view.freshness(), 'none');
  assert.equal(view.snapshot().isEligible('support', 'claude'), false, 'no feed yet: fail safe');
  const feed: EligibilityFeed = {
    version: 1, generated_at: new Date(now).toISOString(), ttl_s: 60,
    routes: [
      { workload: 'support', route: 'claude', role: 'secondary', eligible: true, reasons: [], since: '', warmth: {}, parity: {} },
      { workload: 'support', route: 'cheap', role: 'secondary', eligible: false, reasons: ['cold'], since: '', warmth: {}, parity: {} },
    ],
  };
  view.update(feed);
  const table: { advance: number; state: string; claude: boolean }[] = [
    { advance: 0, state: 'fresh', claude: true },
    { advance: 60_000, state: 'fresh', claude: true },
    { advance: 1, state: 'grace', claude: true },
    { advance: 29_999, state: 'grace', claude: true },
    { advance: 1, state: 'expired', claude: false },
  ];
  for (const step of table) {
    now += step.advance;
    assert.equal(view.freshness(), step.state);
    assert.equal(view.snapshot().isEligible('support', 'claude'), step.claude, `${step.state}`);
    assert.equal(view.snapshot().isEligible('support', 'cheap'), false);
  }
  view.update(undefined);
  assert.equal(view.freshness(), 'fresh', 'a 304 confirms the last feed');
  assert.equal(view.snapshot().isEligible('support', 'claude'), true);
});
