// A lone router following the evaluator's feed over HTTP: long-poll with ETags, changes
// picked up as they are published, and the fail-safe once the evaluator goes away.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { fastify } from 'fastify';
import { pino } from 'pino';
import { FeedPublisher, registerFeedRoute } from '../evaluator/index.ts';
import { createFeedEligibility, startFeedPoller } from '../router/index.ts';
import type { EligibilityEntry } from '../schemas/index.ts';

const entry = (eligible: boolean): EligibilityEntry => ({
  workload: 'support', route: 'claude', role: 'secondary', eligible, reasons: eligible ? [] : ['parity: json_keys failures 40.0% > limit 2.0%'],
  since: new Date().toISOString(), warmth: {}, parity: {},
});

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('long-polls the feed, follows changes at once, and fails safe when the evaluator is gone', async () => {
  const publisher = new FeedPublisher(60_000);
  const evaluatorAdmin = fastify();
  registerFeedRoute(evaluatorAdmin, publisher);
  const url = await evaluatorAdmin.listen({ host: '127.0.0.1', port: 0 });
  let now = Date.now();
  const clock = { now: () => now, monotonic: () => performance.now() };
  const view = createFeedEligibility({ graceMs: 30_000, clock, logger: pino({ level: 'silent' }), meter: new MeterProvider().getMeter('t') });
  const poller = startFeedPoller({ url, adminToken: undefined, target: view, logger: pino({ level: 'silent' }), waitS: 2 });
  try {
    assert.equal(view.snapshot().isEligible('support', 'claude'), false, 'no feed yet: nothing eligible');
    publisher.publish([entry(true)], Date.now());
    await until(() => view.snapshot().isEligible('support', 'claude'));
    const started = performance.now();
    publisher.publish([entry(false)], Date.now());
    await until(() => !view.snapshot().isEligible('support', 'claude'));
    assert.ok(performance.now() - started < 1000, 'a long-poll answers as soon as the version changes');
    publisher.publish([entry(true)], Date.now());
    await until(() => view.snapshot().isEligible('support', 'claude'));

    await evaluatorAdmin.close();
    now += 61_000;
    assert.equal(view.freshness(), 'grace');
    assert.equal(view.snapshot().isEligible('support', 'claude'), true, 'the last feed is kept for the grace period');
    now += 30_000;
    assert.equal(view.freshness(), 'expired');
    assert.equal(view.snapshot().isEligible('support', 'claude'), false, 'then failover narrows to nothing');
  } finally {
    await poller.stop();
    await evaluatorAdmin.close();
  }
});
