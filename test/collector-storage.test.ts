// The collector against the real embedded ClickHouse: migrations, rows and their columns,
// replays collapsing under FINAL, every content mode as stored.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { migrate } from '../core/index.ts';
import { syntheticRecord } from '../collector/index.ts';
import type { ContentMode, ExchangeRecord } from '../schemas/index.ts';
import { rows, testDatabase, waitForCount } from './helpers/clickhouse.ts';
import { testCollector } from './helpers/collector.ts';

describe('migrations', () => {
  test('applied once: running them again applies nothing and the migrations table lists each once', async () => {
    const store = await testDatabase('wp_migrations');
    const again = await migrate(store.client, { database: 'wp_migrations', cluster: undefined });
    assert.deepEqual(again.applied, []);
    assert.ok(again.alreadyApplied.includes('001_exchanges'));
    const listed = await rows<{ name: string; n: string }>(store, 'SELECT name, count() AS n FROM wp_migrations.schema_migrations GROUP BY name ORDER BY name');
    assert.deepEqual(listed.map((r) => r.name), again.alreadyApplied);
    for (const r of listed) assert.equal(Number(r.n), 1, r.name);
    const tables = await rows<{ name: string }>(store, "SELECT name FROM system.tables WHERE database = 'wp_migrations' AND name = 'exchanges'");
    assert.equal(tables.length, 1);
  });
});

test('sessions run in UTC', async () => {
  const store = await testDatabase('wp_tz');
  const [row] = await rows<{ tz: string; t: string }>(store, "SELECT timezone() AS tz, toString(toDateTime('2026-01-01 00:00:00')) AS t");
  assert.equal(row?.tz, 'UTC');
});

describe('rows', () => {
  test("the router's records are queued together at the end of the event-loop turn; a flush, or a burst of 512, does not wait for it", async () => {
    const c = await testCollector('wp_turn');
    const now = Date.now();
    const record = (i: number): ExchangeRecord => ({ ...syntheticRecord(i, { nowMs: now, workload: 'redacted' }), ts: new Date(now).toISOString() });
    c.sink.write(record(1));
    c.sink.write(record(2));
    assert.equal(c.stats().queued, 0, 'held until the turn ends');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(c.stats().queued, 2, 'converted and queued at the end of the turn');
    c.sink.write(record(3));
    await c.flush();
    assert.equal(c.stats().inserted, 3, 'a flush converts what the turn still holds');
    for (let i = 10; i < 10 + 512; i += 1) c.sink.write(record(i));
    assert.equal(c.stats().queued, 512, 'a burst is converted in batches without waiting for the turn');
    c.sink.write(record(600));
    await c.shutdown();
    assert.equal(c.stats().inserted, 516, 'a shutdown stores what the turn still holds');
    assert.equal(await waitForCount(c.store, 'SELECT count() AS n FROM wp_turn.exchanges', 516), 516);
  });

  test('records land with the right columns', async () => {
    const c = await testCollector('wp_rows');
    const now = Date.now();
    const primary: ExchangeRecord = { ...syntheticRecord(1, { nowMs: now, workload: 'full' }), ts: new Date(now).toISOString() };
    const shadow: ExchangeRecord = {
      ...primary,
      record_id: 'shadow-1',
      kind: 'shadow',
      route: 'claude-sim',
      status: 503,
      outcome: 'error',
      error_class: 'server_error',
      attempts: [{ route: 'claude-sim', attempt: 1, status: 503, error_class: 'server_error', latency_ms: 9.5 }],
      ttft_ms: 12.25,
      response: null,
      finish_reason: null,
    };
    c.sink.write(primary);
    c.sink.write(shadow);
    await c.flush();
    const got = await rows<Record<string, unknown>>(c.store, 'SELECT * EXCEPT inserted_at FROM wp_rows.exchanges FINAL ORDER BY kind');
    assert.equal(got.length, 2);
    const [p, s] = got as [Record<string, unknown>, Record<string, unknown>];
    assert.deepEqual(
      { record_id: p.record_id, kind: p.kind, pair_id: p.pair_id, ts: p.ts, workload: p.workload, route: p.route, status: p.status, outcome: p.outcome, error_class: p.error_class, stream: p.stream, fallback: p.fallback, content_mode: p.content_mode, retention_days: p.retention_days },
      { record_id: primary.record_id, kind: 'primary', pair_id: primary.pair_id, ts: primary.ts.replace('T', ' ').replace('Z', ''), workload: 'full', route: primary.route, status: 200, outcome: 'ok', error_class: '', stream: primary.stream, fallback: false, content_mode: 'full', retention_days: 7 },
    );
    assert.equal(p.input_tokens, primary.usage.input_tokens);
    assert.equal(p.cost_usd, primary.cost_usd);
    assert.deepEqual(JSON.parse(p.request_json as string), primary.request);
    assert.deepEqual(JSON.parse(p.response_json as string), primary.response);
    assert.deepEqual(
      { pair_id: s.pair_id, kind: s.kind, status: s.status, error_class: s.error_class, ttft_ms: s.ttft_ms, response_json: s.response_json, finish_reason: s.finish_reason },
      { pair_id: primary.record_id, kind: 'shadow', status: 503, error_class: 'server_error', ttft_ms: 12.25, response_json: '', finish_reason: '' },
    );
    assert.deepEqual([s.attempt_routes, s.attempt_statuses, s.attempt_error_classes, s.attempt_latency_ms], [['claude-sim'], [503], ['server_error'], [9.5]]);
    const paired = await rows<{ n: string }>(c.store, 'SELECT count() AS n FROM wp_rows.exchanges FINAL WHERE pair_id = {id:String}', { id: primary.record_id });
    assert.equal(Number(paired[0]?.n), 2, 'a shadow is found by its primary id');
    await c.shutdown();
  });

  test('replaying the same records twice leaves one row each after FINAL', async () => {
    const c = await testCollector('wp_replay');
    const now = Date.now();
    const batch = Array.from({ length: 300 }, (_, i) => syntheticRecord(i, { nowMs: now }));
    for (const r of batch) c.sink.write(r);
    await c.flush();
    for (const r of batch) c.sink.write(r);
    await c.flush();
    assert.equal(c.stats().inserted, 600, 'both copies were inserted');
    const [final] = await rows<{ n: string; u: string }>(c.store, 'SELECT count() AS n, uniqExact(record_id) AS u FROM wp_replay.exchanges FINAL');
    assert.deepEqual([Number(final?.n), Number(final?.u)], [300, 300]);
    await c.shutdown();
  });
});

describe('content modes as stored', () => {
  const secretText = 'I am zoe@example.com, card 4111 1111 1111 1111';
  const cases: { mode: ContentMode; check: (r: Record<string, string>) => void }[] = [
    { mode: 'full', check: (r) => assert.match(r.request_json ?? '', /zoe@example\.com/) },
    {
      mode: 'redacted',
      check: (r) => {
        assert.match(r.request_json ?? '', /I am \[EMAIL\], card \[CARD\]/);
        assert.doesNotMatch(`${r.request_json}${r.response_json}`, /zoe@example|4111/);
      },
    },
    { mode: 'hash', check: (r) => assert.deepEqual([r.request_json, r.response_json, r.request_sha256?.length, r.response_sha256?.length], ['', '', 64, 64]) },
    { mode: 'none', check: (r) => assert.deepEqual([r.request_json, r.response_json, r.request_sha256, r.response_sha256], ['', '', '', '']) },
  ];
  for (const c of cases) {
    test(c.mode, async () => {
      const col = await testCollector(`wp_mode_${c.mode}`);
      const base = syntheticRecord(7, { workload: c.mode });
      col.sink.write({ ...base, request: { messages: [{ role: 'user', content: secretText }] }, response: { content: `ok ${secretText}`, refusal: null, tool_calls: [] } });
      await col.flush();
      const [row] = await rows<Record<string, string>>(col.store, `SELECT content_mode, request_json, response_json, request_sha256, response_sha256 FROM wp_mode_${c.mode}.exchanges`);
      assert.equal(row?.content_mode, c.mode);
      c.check(row as Record<string, string>);
      await col.shutdown();
    });
  }

  test('a workload the config does not name gets the default storage settings (redacted, 30 days)', async () => {
    const col = await testCollector('wp_mode_unknown');
    col.sink.write({ ...syntheticRecord(8, { workload: 'elsewhere' }), request: { messages: [{ role: 'user', content: secretText }] } });
    assert.equal(await waitForCount(col.store, 'SELECT count() AS n FROM wp_mode_unknown.exchanges', 1), 1);
    const [row] = await rows<Record<string, unknown>>(col.store, 'SELECT content_mode, retention_days, request_json FROM wp_mode_unknown.exchanges');
    assert.deepEqual([row?.content_mode, row?.retention_days], ['redacted', 30]);
    assert.doesNotMatch(String(row?.request_json), /zoe@/);
    await col.shutdown();
  });
});
