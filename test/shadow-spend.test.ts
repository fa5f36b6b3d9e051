// Daily shadow budgets hold the day's stored spend: a restarted `warmpath start` resumes the
// day where it was, and `warmpath router` reads what its collector stored. Real embedded
// ClickHouse, real listeners on 127.0.0.1, the official openai SDK as the client.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { serve, RecentRecords } from '../bin/serve.ts';
import { serveCollector } from '../bin/serve-collector.ts';
import { remoteSpendSource, storedSpendSource, syntheticRecord, toExchangeRow } from '../collector/index.ts';
import { clickHouseTimeOf } from '../core/clickhouse-time.ts';
import { parseConfig } from '../core/index.ts';
import type { ExchangeRecord } from '../schemas/index.ts';
import { tempDir, testDatabase, testStore } from './helpers/clickhouse.ts';
import { silentLogger } from './helpers/collector.ts';
import { route } from './helpers/warmpath.ts';

const adminToken = 'admin-token-0123456789';
const dayMs = 86_400_000;

// Each simulated answer costs ~50 output tokens × $20/Mtok ≈ $0.001 on the secondary.
function configFor(database: string, capUsd: number, server: Record<string, unknown> = {}) {
  const dir = tempDir('spend');
  return parseConfig(
    stringify({
      server: { listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0', shutdown_grace_ms: 2000, admin_token: adminToken, ...server },
      storage: { clickhouse: `embedded:${join(dir, 'clickhouse')}`, database, spool_dir: join(dir, 'spool'), batch_max_delay_ms: 20 },
      telemetry: { log_level: 'silent' },
      evaluator: { interval: '1h' },
      providers: { sim: { kind: 'simulated' } },
      routes: { p: route('sim', 'p'), s: route('sim', 's', { price: { input_per_mtok: 0, output_per_mtok: 20 } }) },
      workloads: {
        support: { primary: 'p', secondaries: ['s'], shadow: { sample_rate: 1, max_concurrency: 1, max_rps: 10_000, queue_size: 1000, daily_budget_usd: capUsd } },
      },
    }),
    join(dir, 'warmpath.yaml'),
  );
}

const sdk = (baseURL: string) => new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: 'test', maxRetries: 0, defaultHeaders: { 'x-warmpath-workload': 'support' } });

async function ask(baseURL: string, i: number): Promise<void> {
  await sdk(baseURL).chat.completions.create({ model: 'support', messages: [{ role: 'user', content: `tell me about item ${i}` }] });
}

/** Stores records as if inserted `agoMs` before now (the default read leaves out the last minute). */
async function storeEarlier(database: string, records: readonly ExchangeRecord[], agoMs: number): Promise<void> {
  const store = await testStore();
  const insertedAt = clickHouseTimeOf(Date.now() - agoMs);
  const values = records.map((r) => ({ ...toExchangeRow(r, { content: 'none', retention_days: 7 }), inserted_at: insertedAt }));
  await store.client.insert({ table: `${database}.exchanges`, values, format: 'JSONEachRow' });
}

/** Records of today (a few minutes back, not before midnight), costing `usd` each. */
function spendRecords(kinds: readonly ('primary' | 'shadow' | 'twin')[], usd: number, first: number, tsMs = Math.max(Date.now() - 300_000, Math.floor(Date.now() / dayMs) * dayMs)): ExchangeRecord[] {
  return kinds.map((kind, i) => ({ ...syntheticRecord(first + i, { kind, workload: 'support', nowMs: tsMs }), ts: new Date(tsMs).toISOString(), cost_usd: usd }));
}

describe('warmpath start: the day\'s shadow spend survives a restart', () => {
  test('a restart holds the stored spend: shadow stays stopped after the budget ran out', async () => {
    const database = 'wp_spend_restart';
    await testDatabase(database);
    const store = await testStore();
    const config = configFor(database, 0.004);
    // The default read ends a minute behind storage's clock; here what was just stored counts.
    const options = { store, logger: silentLogger, spendSource: storedSpendSource(store.client, `${database}.exchanges`, 0) };

    const first = await serve(config, options);
    let spent = 0;
    try {
      for (let i = 0; i < 40 && first.shadow.spendToday('support') < 0.004 * 0.95; i += 1) {
        await ask(first.routerUrl, i);
        await first.shadow.drain();
      }
      spent = first.shadow.spendToday('support');
      assert.ok(spent >= 0.004 * 0.95, `the first run spent ${spent}`);
    } finally {
      await first.close();
    }

    const records = new RecentRecords(100);
    const second = await serve(config, { ...options, tee: records });
    try {
      assert.ok(Math.abs(second.shadow.spendToday('support') - spent) < 1e-9, `restored ${second.shadow.spendToday('support')}, spent ${spent}`);
      for (let i = 0; i < 5; i += 1) await ask(second.routerUrl, 100 + i);
      await second.shadow.drain();
      assert.equal(records.records.filter((r) => r.kind === 'shadow').length, 0, 'no shadow call after the restart');
      assert.equal(records.records.filter((r) => r.kind === 'primary').length, 5);
    } finally {
      await second.close();
    }
  });

  test('the default read: shadow and twin spend of today, each record once, stored more than a minute ago', async () => {
    const database = 'wp_spend_default';
    await testDatabase(database);
    const today = spendRecords(['shadow', 'shadow', 'twin', 'primary'], 0.25, 1);
    const yesterday = spendRecords(['shadow'], 5, 10, Math.floor(Date.now() / dayMs) * dayMs - 60_000);
    const justNow = spendRecords(['shadow'], 0.125, 20);
    await storeEarlier(database, [...today, ...yesterday], 120_000);
    await storeEarlier(database, [today[0] as ExchangeRecord], 90_000); // stored again, as a spool replay would
    await storeEarlier(database, justNow, 0);
    const wp = await serve(configFor(database, 10), { store: await testStore(), logger: silentLogger });
    try {
      assert.equal(wp.shadow.spendToday('support'), 0.75, 'two shadows and a twin; not the primary, yesterday or the last minute');
    } finally {
      await wp.close();
    }
  });
});

describe('warmpath router: stored spend from its collector', () => {
  test('the router starts from what the collector stored; GET /v1/shadow-spend checks its query and token', async () => {
    const database = 'wp_spend_split';
    await testDatabase(database);
    await storeEarlier(database, spendRecords(['shadow', 'twin'], 0.5, 1), 120_000);
    const store = await testStore();
    const collector = await serveCollector(configFor(database, 1), { store, logger: silentLogger });
    const router = await serve(configFor(database, 1, { collector_url: collector.adminUrl }), { mode: 'router', logger: silentLogger });
    try {
      assert.equal(router.shadow.spendToday('support'), 1);
      const day = new Date().toISOString().slice(0, 10);
      const auth = { authorization: `Bearer ${adminToken}` };
      const ok = await fetch(`${collector.adminUrl}/v1/shadow-spend?day=${day}`, { headers: auth });
      const body = (await ok.json()) as { day: string; workloads: Record<string, number>; inserted_before_ms: number };
      assert.deepEqual([ok.status, body.day, body.workloads], [200, day, { support: 1 }]);
      assert.ok(Math.abs(body.inserted_before_ms - (Date.now() - 60_000)) < 10_000, 'the window ends a minute behind storage\'s clock');
      const bad = await fetch(`${collector.adminUrl}/v1/shadow-spend?day=yesterday`, { headers: auth });
      const error = (await bad.json()) as { error: { code: string; message: string } };
      assert.equal(bad.status, 400);
      assert.equal(error.error.code, 'REQ_INVALID');
      assert.match(error.error.message, /day/);
      assert.equal((await fetch(`${collector.adminUrl}/v1/shadow-spend?day=${day}`)).status, 401);
    } finally {
      await router.close();
      await collector.close();
    }
  });

  test('a router whose collector cannot answer serves on its own count and says so on /metrics', async () => {
    const down = createServer((_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"ClickHouse is unavailable"}}'));
    await new Promise<void>((r) => down.listen(0, '127.0.0.1', r));
    const router = await serve(configFor('wp_spend_down', 1, { collector_url: `http://127.0.0.1:${(down.address() as AddressInfo).port}` }), {
      mode: 'router',
      logger: silentLogger,
    });
    try {
      assert.equal(router.shadow.spendToday('support'), 0);
      const metrics = await (await fetch(`${router.adminUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
      const failures = /^warmpath_shadow_spend_read_failures_total (\d+)/m.exec(metrics);
      assert.ok(failures !== null && Number(failures[1]) >= 1, `failed reads counted:\n${metrics.split('\n').filter((l) => l.includes('spend')).join('\n')}`);
      const age = /^warmpath_shadow_spend_age_seconds ([\d.]+)/m.exec(metrics);
      assert.ok(age !== null && Number(age[1]) >= 0 && Number(age[1]) < 60, 'never read: the age counts from the start');
    } finally {
      await router.close();
      await new Promise((r) => down.close(r));
    }
  });

  test('an answer that is not stored spend is refused with a code naming what was wrong', async () => {
    const answers = [
      { status: 200, body: '{"day":"2026-11-21","inserted_after_ms":0,"inserted_before_ms":5,"workloads":{"support":"lots"}}', want: /\/workloads\/support must be number/ },
      { status: 200, body: 'not json', want: /not JSON/ },
      { status: 200, body: '{"day":"2026-11-20","inserted_after_ms":0,"inserted_before_ms":5,"workloads":{}}', want: /answered for 2026-11-20, not 2026-11-21/ },
      { status: 503, body: '{"error":{"message":"ClickHouse is unavailable"}}', want: /answered 503/ },
    ];
    for (const answer of answers) {
      const server = createServer((_req, res) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const source = remoteSpendSource(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      try {
        await assert.rejects(source({ dayStartMs: Date.parse('2026-11-21T00:00:00Z'), insertedAfterMs: 0 }), (err: Error & { code?: string }) => {
          assert.equal(err.code, 'RTR_SPEND_UNAVAILABLE');
          assert.match(err.message, answer.want);
          return true;
        });
      } finally {
        await source.close();
        await new Promise((r) => server.close(r));
      }
    }
  });
});
