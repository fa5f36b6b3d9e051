// A lone router following the evaluator's feed over HTTP: long-poll with ETags, changes
// picked up as they are published, and the fail-safe once the evaluator goes away; feeds
// that fail their check refused without losing the last good one.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { fastify } from 'fastify';
import { pino } from 'pino';
import { createTelemetry } from '../core/telemetry.ts';
import { FeedPublisher, registerFeedRoute } from '../evaluator/index.ts';
import { createFeedEligibility, startFeedPoller } from '../router/index.ts';
import type { EligibilityEntry } from '../schemas/index.ts';
import { counter } from './helpers/metrics.ts';
import { until } from './helpers/until.ts';

const entry = (eligible: boolean): EligibilityEntry => ({
  workload: 'support', route: 'claude', role: 'secondary', eligible, reasons: eligible ? [] : ['parity: json_keys failures 40.0% > limit 2.0%'],
  since: new Date().toISOString(), warmth: {}, parity: {},
});

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

test('a feed that fails its check is refused and counted; the last good one stays; a newer evaluator\'s extra keys are ignored', async () => {
  // An evaluator stand-in whose answer the test sets: long-poll and ETag as the real one.
  let body = '';
  let version = 0;
  const serve = (next: (version: number) => string): void => {
    version += 1;
    body = next(version);
  };
  const evaluatorAdmin = fastify();
  evaluatorAdmin.get('/v1/eligibility', async (request, reply) => {
    if (request.headers['if-none-match'] === `"${version}"`) {
      await new Promise((r) => setTimeout(r, 50));
      return reply.code(304).send();
    }
    return reply.header('etag', `"${version}"`).type('application/json').send(body);
  });
  const url = await evaluatorAdmin.listen({ host: '127.0.0.1', port: 0 });
  const telemetry = createTelemetry({ serviceName: 'feed-test' });
  const metricsServer = createServer((req, res) => telemetry.serveMetrics(req, res));
  metricsServer.listen(0, '127.0.0.1');
  await once(metricsServer, 'listening');
  const metricsUrl = `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}/metrics`;
  const refusedCount = async (): Promise<number> => counter(await (await fetch(metricsUrl)).text(), 'warmpath_feed_refused_total', {});
  const logLines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) });
  const view = createFeedEligibility({ graceMs: 30_000, clock: { now: () => Date.now(), monotonic: () => performance.now() }, logger, meter: telemetry.meter });
  const poller = startFeedPoller({ url, adminToken: undefined, target: view, logger, waitS: 2 });
  const document = (eligible: unknown, extra: Record<string, unknown> = {}) => (version: number): string =>
    JSON.stringify({ version, generated_at: new Date().toISOString(), ttl_s: 60, routes: [{ ...entry(true), eligible, ...extra }], ...extra });
  try {
    serve(document(true, { confidence: 0.93 }));
    await until(() => view.snapshot().isEligible('support', 'claude'));
    assert.equal(await refusedCount(), 0, 'unknown keys from a newer evaluator are not a refusal');

    serve(document('yes'));
    await until(() => logLines.some((l) => l.includes('eligibility feed refused')));
    const refusedLine = JSON.parse(logLines.find((l) => l.includes('eligibility feed refused')) as string) as Record<string, unknown>;
    assert.match(String(refusedLine.reason), /\/routes\/0\/eligible must be boolean/);
    assert.equal(refusedLine.source, url);
    assert.equal(refusedLine.version_kept, 1);
    assert.equal(view.current()?.version, 1, 'the refused feed is not applied');
    assert.equal(view.snapshot().isEligible('support', 'claude'), true, 'the last good feed stays');
    assert.ok((await refusedCount()) >= 1);

    serve(() => '<html>502 Bad Gateway</html>');
    await until(() => logLines.some((l) => l.includes('not JSON')));
    serve(document(false));
    await until(() => !view.snapshot().isEligible('support', 'claude'), { timeoutMs: 40_000 });
    assert.equal(view.current()?.version, 4, 'a valid feed is taken again once the evaluator serves one');
  } finally {
    await poller.stop();
    await evaluatorAdmin.close();
    metricsServer.close();
    await telemetry.shutdown();
  }
});
