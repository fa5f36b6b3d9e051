import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fastify } from 'fastify';
import type { EligibilityEntry } from '../schemas/index.ts';
import { FeedPublisher, registerFeedRoute } from './feed.ts';

const entry = (eligible: boolean): EligibilityEntry => ({
  workload: 'support', route: 'claude', role: 'secondary', eligible, reasons: eligible ? [] : ['cold: 0 samples in 1h < 50'],
  since: '2026-11-21T12:00:00.000Z', warmth: { samples: 0 }, parity: {},
});

const publisher = new FeedPublisher(60_000);
const app = fastify();
registerFeedRoute(app, publisher);
let url: string;
before(async () => {
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
after(() => app.close());

test('503 before the first evaluation', async () => {
  const res = await app.inject({ method: 'GET', url: '/v1/eligibility' });
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().error.code, 'EVL_FEED_NOT_READY');
});

test('versioned feed with ETag; If-None-Match gives 304; the version moves only on change', async () => {
  publisher.publish([entry(false)], Date.parse('2026-11-21T12:00:00Z'));
  const first = await app.inject({ method: 'GET', url: '/v1/eligibility' });
  assert.equal(first.statusCode, 200);
  const feed = first.json();
  assert.deepEqual(Object.keys(feed), ['version', 'generated_at', 'ttl_s', 'routes']);
  assert.equal(feed.ttl_s, 60);
  assert.equal(first.headers.etag, `"${feed.version}"`);
  const again = await app.inject({ method: 'GET', url: '/v1/eligibility', headers: { 'if-none-match': first.headers.etag as string } });
  assert.equal(again.statusCode, 304);
  publisher.publish([entry(false)], Date.parse('2026-11-21T12:00:15Z'));
  assert.equal(publisher.current?.version, feed.version, 'same routes: same version');
  publisher.publish([entry(true)], Date.parse('2026-11-21T12:00:30Z'));
  assert.equal(publisher.current?.version, feed.version + 1);
});

test('long-poll: a waiting request returns as soon as a new version is published', async () => {
  const etag = publisher.etag as string;
  const started = performance.now();
  setTimeout(() => publisher.publish([entry(false)], Date.now()), 150);
  const res = await fetch(`${url}/v1/eligibility?wait=10`, { headers: { 'if-none-match': etag } });
  const elapsed = performance.now() - started;
  assert.equal(res.status, 200);
  assert.notEqual(res.headers.get('etag'), etag);
  assert.ok(elapsed >= 140 && elapsed < 5000, `answered after ${elapsed.toFixed(0)} ms`);
});

test('long-poll: no change within the wait gives 304', async () => {
  const res = await fetch(`${url}/v1/eligibility?wait=1`, { headers: { 'if-none-match': publisher.etag as string } });
  assert.equal(res.status, 304);
});

test('a wait above 60 s is a 400', async () => {
  assert.equal((await app.inject({ method: 'GET', url: '/v1/eligibility?wait=600' })).statusCode, 400);
});

test('subscribers get every publication, the current one at once', () => {
  const seen: number[] = [];
  const unsubscribe = publisher.subscribe((f) => seen.push(f.version));
  publisher.publish([entry(true)], Date.now());
  unsubscribe();
  publisher.publish([entry(false)], Date.now());
  assert.equal(seen.length, 2);
});

test('long-poll before the first evaluation waits for it instead of failing', async () => {
  const fresh = new FeedPublisher(60_000);
  const early = fastify();
  registerFeedRoute(early, fresh);
  const earlyUrl = await early.listen({ host: '127.0.0.1', port: 0 });
  try {
    setTimeout(() => fresh.publish([entry(true)], Date.now()), 150);
    const res = await fetch(`${earlyUrl}/v1/eligibility?wait=10`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { version: number }).version, 1);
  } finally {
    await early.close();
  }
});
