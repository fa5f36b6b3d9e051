// POST /v1/exchanges: NDJSON from other gateways, validated line by line, the good lines
// of a body kept (and stored in the real embedded ClickHouse), the bad ones reported.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fastify, type FastifyInstance } from 'fastify';
import { installErrorHandling } from '../core/index.ts';
import { parseExchangeLines, syntheticRecord } from '../collector/index.ts';
import { rows, waitForCount } from './helpers/clickhouse.ts';
import { testCollector, type TestCollector } from './helpers/collector.ts';

const ndjson = (...lines: unknown[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
const good = (i: number) => syntheticRecord(i, { workload: 'full' });

describe('parseExchangeLines', () => {
  const { record_id: _drop, ...noId } = good(1);
  const cases: { name: string; line: unknown; reason: RegExp }[] = [
    { name: 'not JSON', line: '{"record_id": ', reason: /^not JSON: / },
    { name: 'missing required key', line: noId, reason: /^\/ must have required key "record_id"$/ },
    { name: 'unknown kind', line: { ...good(2), kind: 'mirror' }, reason: /^\/kind must be one of: "primary", "shadow", "twin"$/ },
    { name: 'bad time', line: { ...good(3), ts: 'yesterday' }, reason: /^\/ts must match format "date-time"$/ },
    { name: 'unknown key', line: { ...good(4), api_key: 'sk-x' }, reason: /has unknown key "api_key"/ },
    { name: 'unknown api', line: { ...good(6), api: 'completions' }, reason: /^\/api must be one of: "chat_completions", "responses", "messages"$/ },
    { name: 'every problem listed', line: { ...good(5), status: 700, latency_ms: -1 }, reason: /\/status must be <= 599; \/latency_ms must be >= 0/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const parsed = parseExchangeLines(ndjson(good(0), c.line));
      assert.equal(parsed.records.length, 1);
      assert.equal(parsed.rejected, 1);
      assert.equal(parsed.errors[0]?.line, 2);
      assert.match(parsed.errors[0]?.reason ?? '', c.reason);
    });
  }
  test('blank lines and a trailing newline are not records', () => {
    const parsed = parseExchangeLines(`\n${ndjson(good(0))}\n\n${ndjson(good(1))}\n`);
    assert.deepEqual([parsed.records.length, parsed.rejected], [2, 0]);
  });
});

describe('POST /v1/exchanges', () => {
  let c: TestCollector;
  let app: FastifyInstance;
  before(async () => {
    c = await testCollector('wp_ingest');
    app = fastify({ bodyLimit: 64 * 1024 });
    installErrorHandling(app);
    await c.mountRoutes(app);
  });
  after(async () => {
    await app.close();
    await c.shutdown();
  });
  const post = (body: string, type = 'application/x-ndjson') => app.inject({ method: 'POST', url: '/v1/exchanges', headers: { 'content-type': type }, payload: body });

  test('mixed lines: good ones land, bad ones reported by line number and reason', async () => {
    const body = ndjson(good(10), '{oops', { ...good(11), kind: 'mirror' }, '', good(12));
    const answer = await post(body);
    assert.equal(answer.statusCode, 200);
    const json = answer.json() as { accepted: number; rejected: number; errors: { line: number; reason: string }[] };
    assert.equal(json.accepted, 2);
    assert.equal(json.rejected, 2);
    assert.deepEqual(json.errors.map((e) => e.line), [2, 3]);
    assert.match(json.errors[0]?.reason ?? '', /not JSON/);
    assert.match(json.errors[1]?.reason ?? '', /\/kind must be one of/);
    assert.equal(await waitForCount(c.store, 'SELECT count() AS n FROM wp_ingest.exchanges', 2), 2);
    const ids = await rows<{ record_id: string }>(c.store, 'SELECT record_id FROM wp_ingest.exchanges ORDER BY record_id');
    assert.deepEqual(ids.map((r) => r.record_id), [good(10).record_id, good(12).record_id]);
  });

  test("the api a gateway names is stored; one that names none is stored as ''", async () => {
    const { api: _none, ...unsaid } = good(20);
    const answer = await post(ndjson({ ...good(21), api: 'responses' }, unsaid));
    assert.deepEqual(answer.json(), { accepted: 2, rejected: 0, errors: [] });
    assert.equal(await waitForCount(c.store, `SELECT count() AS n FROM wp_ingest.exchanges WHERE record_id IN ('${good(20).record_id}', '${good(21).record_id}')`, 2), 2);
    const stored = await rows<{ record_id: string; api: string }>(c.store, `SELECT record_id, api FROM wp_ingest.exchanges WHERE record_id IN ('${good(20).record_id}', '${good(21).record_id}') ORDER BY api`);
    assert.deepEqual(stored, [{ record_id: good(20).record_id, api: '' }, { record_id: good(21).record_id, api: 'responses' }]);
  });

  test('every line bad: 400 COL_INGEST_INVALID with the same counts', async () => {
    const answer = await post(ndjson('nope', { kind: 'primary' }));
    assert.equal(answer.statusCode, 400);
    const json = answer.json() as { accepted: number; rejected: number; errors: unknown[]; error: { code: string } };
    assert.equal(json.error.code, 'COL_INGEST_INVALID');
    assert.deepEqual([json.accepted, json.rejected, json.errors.length], [0, 2, 2]);
  });

  test('an empty body is 200 with nothing accepted', async () => {
    const answer = await post('');
    assert.equal(answer.statusCode, 200);
    assert.deepEqual(answer.json(), { accepted: 0, rejected: 0, errors: [] });
  });

  test('other content types: 415', async () => {
    const answer = await post(JSON.stringify(good(1)), 'application/json');
    assert.equal(answer.statusCode, 415);
    assert.equal((answer.json() as { error: { code: string } }).error.code, 'REQ_UNSUPPORTED_MEDIA');
  });

  test('over the body limit: 413', async () => {
    const big = Array.from({ length: 200 }, (_, i) => JSON.stringify(good(i))).join('\n');
    const answer = await post(big);
    assert.equal(answer.statusCode, 413);
    assert.equal((answer.json() as { error: { code: string } }).error.code, 'REQ_BODY_TOO_LARGE');
  });
});

describe('POST /v1/exchanges when the queue is full', () => {
  test('503 COL_QUEUE_FULL with retry-after, and nothing of the body is kept', async () => {
    const c = await testCollector('wp_ingest_full', { queueMaxRows: 2, batchMaxRows: 1000, batchMaxDelayMs: 60_000 });
    const app = fastify();
    installErrorHandling(app);
    await c.mountRoutes(app);
    const answer = await app.inject({ method: 'POST', url: '/v1/exchanges', headers: { 'content-type': 'application/x-ndjson' }, payload: ndjson(good(1), good(2), good(3)) });
    assert.equal(answer.statusCode, 503);
    assert.equal(answer.headers['retry-after'], '1');
    assert.equal((answer.json() as { error: { code: string } }).error.code, 'COL_QUEUE_FULL');
    assert.equal(c.stats().queued, 0);
    await app.close();
    await c.shutdown();
  });
});
