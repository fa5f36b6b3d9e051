// End to end: `warmpath start` (router + collector in one process, embedded ClickHouse in
// a temporary folder) with the official openai SDK as the client; and `warmpath router`
// alone sending its records to `warmpath collector` over HTTP.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { parseConfig } from '../core/index.ts';
import { serve, type RunningServices } from '../bin/serve.ts';
import { serveCollector, type RunningCollector } from '../bin/serve-collector.ts';
import { rows, tempDir, testStore, waitForCount } from './helpers/clickhouse.ts';
import { silentLogger } from './helpers/collector.ts';
import { startOpenAIUpstream, type TestUpstream } from './helpers/upstreams.ts';
import { route, startWarmpath } from './helpers/warmpath.ts';

const providerKey = 'sk-upstream-e2e-secret-0123456789';
const adminToken = 'admin-token-0123456789';

function configFor(upstreamUrl: string, database: string, server: Record<string, unknown> = {}) {
  const dir = tempDir('e2e');
  return parseConfig(
    stringify({
      server: { listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0', shutdown_grace_ms: 2000, ...server },
      storage: { clickhouse: `embedded:${join(dir, 'clickhouse')}`, database, spool_dir: join(dir, 'spool'), batch_max_delay_ms: 20 },
      telemetry: { log_level: 'silent' },
      providers: { up: { kind: 'openai', base_url: `${upstreamUrl}/v1`, api_key: providerKey } },
      routes: { main: route('up', 'gpt-test') },
      workloads: {
        support: { primary: 'main', storage: { content: 'redacted', retention_days: 14 } },
        audit: { primary: 'main', storage: { content: 'full', retention_days: 90 } },
      },
    }),
    join(dir, 'warmpath.yaml'),
  );
}

const sdk = (baseURL: string, workload: string) =>
  new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: 'test', maxRetries: 0, defaultHeaders: { 'x-warmpath-workload': workload } });

describe('warmpath start: requests through the router become rows', () => {
  let upstream: TestUpstream;
  let wp: RunningServices;
  before(async () => {
    upstream = await startOpenAIUpstream('openai');
    wp = await serve(configFor(upstream.url, 'wp_start', { admin_token: adminToken }), { store: await testStore(), logger: silentLogger });
  });
  after(async () => {
    await wp.close();
    await upstream.close();
  });

  test('non-stream and stream answers, each workload with its content mode, provider key never stored', async () => {
    const ids: string[] = [];
    const { response } = await sdk(wp.routerUrl, 'support')
      .chat.completions.create({ model: 'support', messages: [{ role: 'user', content: 'Hi, I am amy@example.com' }] })
      .withResponse();
    ids.push(response.headers.get('x-warmpath-request-id') as string);
    const stream = await sdk(wp.routerUrl, 'audit')
      .chat.completions.create({ model: 'audit', stream: true, messages: [{ role: 'user', content: 'Hi, I am amy@example.com' }] })
      .withResponse();
    for await (const _chunk of stream.data) void _chunk;
    ids.push(stream.response.headers.get('x-warmpath-request-id') as string);
    assert.equal(await waitForCount(wp.storage!.store, 'SELECT count() AS n FROM wp_start.exchanges', 2), 2);
    const got = await rows<Record<string, unknown>>(
      wp.storage!.store,
      'SELECT record_id, kind, workload, route, stream, status, outcome, content_mode, retention_days, request_json, response_json, output_tokens, ttft_ms FROM wp_start.exchanges FINAL ORDER BY workload DESC',
    );
    assert.deepEqual(got.map((r) => r.record_id), ids);
    const [support, audit] = got as [Record<string, unknown>, Record<string, unknown>];
    assert.deepEqual([support.kind, support.route, support.stream, support.status, support.outcome, support.content_mode, support.retention_days], ['primary', 'main', false, 200, 'ok', 'redacted', 14]);
    assert.match(String(support.request_json), /I am \[EMAIL\]/);
    assert.match(String(support.response_json), /hello from openai/);
    assert.deepEqual([audit.stream, audit.content_mode, audit.retention_days], [true, 'full', 90]);
    assert.match(String(audit.request_json), /amy@example\.com/);
    assert.equal(typeof audit.ttft_ms, 'number');
    const everything = await rows<Record<string, unknown>>(wp.storage!.store, 'SELECT * FROM wp_start.exchanges');
    assert.ok(!JSON.stringify(everything).includes(providerKey), 'provider API keys never reach storage');
  });

  test('ingest on the admin listener needs the admin token; /metrics shows the collector', async () => {
    const body = `${JSON.stringify({ record_id: 'gw-1', kind: 'primary', pair_id: 'gw-1', ts: new Date().toISOString(), workload: 'support', route: 'litellm', status: 200, outcome: 'ok', latency_ms: 5, request: { messages: [{ role: 'user', content: 'x' }] } })}\n`;
    const denied = await fetch(`${wp.adminUrl}/v1/exchanges`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    assert.equal(denied.status, 401);
    const answer = await fetch(`${wp.adminUrl}/v1/exchanges`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${adminToken}` }, body });
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { accepted: 1, rejected: 0, errors: [] });
    assert.equal(await waitForCount(wp.storage!.store, "SELECT count() AS n FROM wp_start.exchanges WHERE record_id = 'gw-1'", 1), 1);
    const metrics = await (await fetch(`${wp.adminUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
    assert.match(metrics, /warmpath_collector_records_accepted_total\{source="router"\} 2/);
    assert.match(metrics, /warmpath_collector_records_accepted_total\{source="ingest"\} 1/);
    assert.match(metrics, /warmpath_collector_records_inserted_total \d+/);
    assert.match(metrics, /warmpath_collector_insert_duration_seconds_bucket\{/);
    assert.match(metrics, /warmpath_collector_spool_bytes 0/);
  });
});

describe('warmpath router alone → warmpath collector over HTTP', () => {
  let upstream: TestUpstream;
  let collector: RunningCollector;
  let router: RunningServices;
  before(async () => {
    upstream = await startOpenAIUpstream('openai');
    const store = await testStore();
    collector = await serveCollector(configFor(upstream.url, 'wp_split', { admin_token: adminToken }), { store, logger: silentLogger });
    router = await serve(configFor(upstream.url, 'wp_split', { admin_token: adminToken, collector_url: collector.adminUrl }), { mode: 'router', logger: silentLogger });
  });
  after(async () => {
    await router.close();
    await collector.close();
    await upstream.close();
  });

  test('the router sends each record to the collector, which stores it', async () => {
    const client = sdk(router.routerUrl, 'support');
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { response } = await client.chat.completions.create({ model: 'support', messages: [{ role: 'user', content: `hello ${i}` }] }).withResponse();
      ids.push(response.headers.get('x-warmpath-request-id') as string);
    }
    assert.equal(router.storage, undefined, 'the router owns no storage');
    assert.equal(await waitForCount(collector.storage.store, 'SELECT count() AS n FROM wp_split.exchanges', 3), 3);
    const got = await rows<{ record_id: string }>(collector.storage.store, 'SELECT record_id FROM wp_split.exchanges ORDER BY ts');
    assert.deepEqual(got.map((r) => r.record_id), ids);
  });

  test('warmpath router without server.collector_url refuses to start with a config error', async () => {
    await assert.rejects(serve(configFor(upstream.url, 'wp_split'), { mode: 'router', logger: silentLogger }), { code: 'CFG_INVALID', message: /\/server\/collector_url is required/ });
  });
});

test('the test harness can store records in the embedded ClickHouse too', async () => {
  const upstream = await startOpenAIUpstream('openai');
  const store = await testStore();
  const wp = await startWarmpath(
    {
      storage: { database: 'wp_harness' },
      providers: { up: { kind: 'openai', base_url: `${upstream.url}/v1` } },
      routes: { main: route('up', 'gpt-test') },
      workloads: { support: { primary: 'main' } },
    },
    { store },
  );
  try {
    await sdk(wp.routerUrl, 'support').chat.completions.create({ model: 'support', messages: [{ role: 'user', content: 'hi' }] });
    const [record] = await wp.waitForRecords(1);
    assert.equal(await waitForCount(store, `SELECT count() AS n FROM wp_harness.exchanges WHERE record_id = '${record?.record_id}'`, 1), 1);
  } finally {
    await wp.close();
    await upstream.close();
  }
});
