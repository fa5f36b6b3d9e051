// Shadow mirroring through a real listening router, the official openai SDK as the client,
// and local upstreams: sampling, isolation from the primary, limits, budget, twins, streams.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import OpenAI from 'openai';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { createTelemetry, parseConfig, seededRandom, systemClock } from '../core/index.ts';
import { createProviderClients, type ProviderClient, type ProviderClients } from '../providers/index.ts';
import { buildRouteTable, buildRouterApp } from '../router/index.ts';
import { createShadowMirror } from '../router/shadow.ts';
import type { ExchangeRecord } from '../schemas/index.ts';
import { counter, metricValue } from './helpers/metrics.ts';
import { openAICompletion, startOpenAIUpstream, startUpstream, type TestUpstream } from './helpers/upstreams.ts';
import { route, usPolicy } from './helpers/warmpath.ts';

/** Replaces a route's provider client (to break one on purpose); the rest are as built. */
type ClientSwap = (route: string, client: ProviderClient) => ProviderClient;

async function startRouter(config: Record<string, unknown>, seed = 7, swap: ClientSwap = (_route, client) => client) {
  const parsed = parseConfig(stringify({ server: { listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0' }, ...config }), 'test.yaml');
  const built = createProviderClients(parsed, { clock: systemClock });
  const clients: ProviderClients = { forRoute: (name) => swap(name, built.forRoute(name)), close: () => built.close() };
  const table = buildRouteTable(parsed, clients, systemClock);
  const telemetry = createTelemetry({ serviceName: 'test' });
  const records: ExchangeRecord[] = [];
  const sink = { write: (r: ExchangeRecord) => void records.push(r) };
  const logger = pino({ level: 'silent' });
  const random = seededRandom(seed);
  const workloads = Object.keys(parsed.workloads).map((w) => table.forWorkload(w));
  const shadow = createShadowMirror({ table, workloads, sink, clock: systemClock, random, meter: telemetry.meter, logger });
  const app = buildRouterApp({ config: parsed, table, sink, eligibility: { snapshot: () => ({ isEligible: () => true }) }, clock: systemClock, random, meter: telemetry.meter, logger, shadow });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const metricsServer = createServer((req, res) => telemetry.serveMetrics(req, res));
  await new Promise<void>((r) => metricsServer.listen(0, '127.0.0.1', r));
  const client = (workload: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0, defaultHeaders: { 'x-warmpath-workload': workload } });
  return {
    client,
    records,
    shadow,
    byKind: (kind: string) => records.filter((r) => r.kind === kind),
    metrics: async () => (await fetch(`http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}/metrics`)).text(),
    /** Shuts the router down as SIGTERM does, leaving its metrics readable. */
    shutDown: () => app.close(),
    close: async () => {
      await app.close();
      await clients.close();
      metricsServer.close();
      await telemetry.shutdown();
    },
  };
}

const ask = (c: OpenAI, content = 'hello') => c.chat.completions.create({ model: 'x', messages: [{ role: 'user', content }] });

describe('shadow mirroring', () => {
  const upstreams: TestUpstream[] = [];
  after(async () => {
    for (const u of upstreams) await u.close();
  });
  const upstream = async (make: () => Promise<TestUpstream>) => {
    const u = await make();
    upstreams.push(u);
    return u;
  };

  test('a seeded sample_rate mirrors that share of requests to each certified secondary, never to an uncertified one', async () => {
    const r = await startRouter({
      providers: { sim: { kind: 'simulated' } },
      routes: {
        primary: route('sim', 'p'),
        good: route('sim', 'g'),
        leaky: route('sim', 'l', { policy: { ...usPolicy, retention_days: 90 } }),
      },
      workloads: { support: { primary: 'primary', secondaries: ['good', 'leaky'], requires: { max_retention_days: 30 }, shadow: { sample_rate: 0.3, max_concurrency: 50, max_rps: 10_000, queue_size: 1000 } } },
    });
    try {
      const n = 400;
      for (let i = 0; i < n; i++) await ask(r.client('support'), `question ${i}`);
      await r.shadow.drain();
      const shadows = r.byKind('shadow');
      const sigma = Math.sqrt(n * 0.3 * 0.7);
      assert.ok(Math.abs(shadows.length - n * 0.3) < 3 * sigma, `${shadows.length} shadows for ${n} requests at 0.3`);
      assert.ok(shadows.every((s) => s.route === 'good'), 'the uncertified route gets nothing');
      const withheld = counter(await r.metrics(), 'warmpath_shadow_withheld_total', { workload: 'support', route: 'leaky', reason: 'uncertified' });
      assert.equal(withheld, shadows.length, 'each withheld sample is counted');
      const text = await r.metrics();
      const calls = counter(text, 'warmpath_shadow_calls_total', { workload: 'support', route: 'good', kind: 'shadow', outcome: 'ok' });
      assert.equal(calls, shadows.length, 'each shadow call is counted');
      assert.equal(counter(text, 'warmpath_shadow_call_duration_seconds_count', { workload: 'support', route: 'good', kind: 'shadow' }), shadows.length);
      assert.equal(counter(text, 'warmpath_shadow_call_duration_seconds_bucket', { workload: 'support', route: 'good', kind: 'shadow', le: '+Inf' }), shadows.length);
      const primaries = new Map(r.byKind('primary').map((p) => [p.record_id, p]));
      for (const s of shadows) {
        const p = primaries.get(s.pair_id);
        assert.ok(p !== undefined, 'a shadow carries its primary record id as pair_id');
        assert.equal(s.request_id, p.request_id);
        assert.deepEqual(s.request.messages, p.request.messages, 'same request');
        assert.equal(s.response?.content?.length !== undefined, true);
      }
    } finally {
      await r.close();
    }
  });

  test('a secondary answering after 1.5 s leaves the primary latency unchanged', async () => {
    const fast = await upstream(() => startOpenAIUpstream('primary'));
    const slow = await upstream(() => startUpstream(() => ({ delayMs: 1500, body: openAICompletion('slow secondary') })));
    const r = await startRouter({
      providers: { fast: { kind: 'openai', base_url: fast.url }, slow: { kind: 'openai', base_url: slow.url } },
      routes: { p: route('fast', 'p'), s: route('slow', 's') },
      workloads: {
        mirrored: { primary: 'p', secondaries: ['s'], shadow: { sample_rate: 1, max_concurrency: 100, max_rps: 10_000, queue_size: 1000 } },
        plain: { primary: 'p', secondaries: ['s'] },
      },
    });
    try {
      // Interleaved, so background load on a shared machine hits both sides alike.
      const times: Record<string, number[]> = { plain: [], mirrored: [] };
      for (let i = 0; i < 80; i++) {
        for (const workload of i % 2 === 0 ? ['plain', 'mirrored'] : ['mirrored', 'plain']) {
          const t = performance.now();
          await ask(r.client(workload));
          if (i >= 10) times[workload]!.push(performance.now() - t);
        }
      }
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
      const without = median(times.plain!);
      const withShadow = median(times.mirrored!);
      assert.ok(withShadow / without < 2, `median with a slow shadow ${withShadow.toFixed(2)} ms vs ${without.toFixed(2)} ms without`);
      assert.ok(slow.hits.length > 0, 'the secondary was mirrored to');
      await r.shadow.drain();
      assert.equal(r.byKind('shadow').length, 80);
    } finally {
      await r.close();
    }
  });

  test('the limiter caps concurrent shadow calls at max_concurrency; a full queue drops and counts', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const slow = await upstream(() =>
      startUpstream(() => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        setTimeout(() => (inFlight -= 1), 290);
        return { delayMs: 300, body: openAICompletion('s') };
      }),
    );
    const r = await startRouter({
      providers: { sim: { kind: 'simulated' }, slow: { kind: 'openai', base_url: slow.url } },
      routes: { p: route('sim', 'p'), s: route('slow', 's') },
      workloads: { support: { primary: 'p', secondaries: ['s'], shadow: { sample_rate: 1, max_concurrency: 2, max_rps: 1000, queue_size: 3 } } },
    });
    try {
      for (let i = 0; i < 12; i++) await ask(r.client('support'));
      await r.shadow.drain();
      assert.equal(maxInFlight, 2);
      const dropped = counter(await r.metrics(), 'warmpath_shadow_dropped_total', { workload: 'support', route: 's', reason: 'queue_full' });
      assert.ok(dropped >= 5, `dropped ${dropped}`);
      assert.equal(r.byKind('shadow').length + dropped, 12, 'every sample is either called or counted as dropped');
    } finally {
      await r.close();
    }
  });

  test('shutdown: the running shadow call finishes and is recorded, queued ones are counted as dropped for shutdown', async () => {
    let started = 0;
    let firstStarted = (): void => {};
    const firstCall = new Promise<void>((resolve) => (firstStarted = resolve));
    const slow = await upstream(() =>
      startUpstream(() => {
        started += 1;
        firstStarted();
        return { delayMs: 400, body: openAICompletion('s') };
      }),
    );
    const r = await startRouter({
      providers: { sim: { kind: 'simulated' }, slow: { kind: 'openai', base_url: slow.url } },
      routes: { p: route('sim', 'p'), s: route('slow', 's') },
      workloads: { support: { primary: 'p', secondaries: ['s'], shadow: { sample_rate: 1, noise_rate: 0, max_concurrency: 1, max_rps: 1000, queue_size: 10 } } },
    });
    try {
      for (let i = 0; i < 5; i++) await ask(r.client('support'));
      await firstCall;
      assert.equal(started, 1, 'one shadow call running, four queued behind max_concurrency 1');
      await r.shutDown();
      const metrics = await r.metrics();
      const dropped = (reason: string) => counter(metrics, 'warmpath_shadow_dropped_total', { workload: 'support', route: 's', reason });
      assert.equal(r.byKind('shadow').length, 1);
      assert.equal(r.byKind('shadow')[0]?.outcome, 'ok');
      assert.equal(dropped('shutdown'), 4);
      assert.equal(dropped('queue_full'), 0);
      assert.equal(started, 1);
    } finally {
      await r.close();
    }
  });

  test('budget: at 80% the rate halves, at 95% shadow stops; spend never passes the cap by more than in-flight calls', async () => {
    // Each simulated answer costs about 50 output tokens × $20/Mtok = $0.001; the cap is $0.05.
    const price = { input_per_mtok: 0, output_per_mtok: 20 };
    const r = await startRouter({
      providers: { sim: { kind: 'simulated' } },
      routes: { p: route('sim', 'p'), s: route('sim', 's', { price }) },
      workloads: { support: { primary: 'p', secondaries: ['s'], shadow: { sample_rate: 1, max_concurrency: 1, max_rps: 10_000, queue_size: 1000, daily_budget_usd: 0.05 } } },
    });
    try {
      const phases = { normal: [] as boolean[], halved: [] as boolean[], stopped: [] as boolean[] };
      const spentSoFar = () => r.byKind('shadow').reduce((sum, x) => sum + x.cost_usd, 0);
      for (let i = 0; i < 90; i++) {
        const before = spentSoFar();
        const count = r.byKind('shadow').length;
        await ask(r.client('support'), `tell me about item ${i}`);
        await r.shadow.drain();
        const phase = before >= 0.05 * 0.95 ? 'stopped' : before >= 0.05 * 0.8 ? 'halved' : 'normal';
        phases[phase].push(r.byKind('shadow').length > count);
      }
      const perCall = r.byKind('shadow')[0]?.cost_usd as number;
      assert.ok(perCall > 0.0004 && perCall < 0.002, `cost per shadow ${perCall}`);
      assert.ok(phases.normal.every(Boolean), 'below 80%: every request mirrored at rate 1');
      assert.ok(phases.halved.length >= 2 && phases.halved.some((x) => !x), `80-95%: sampled at half rate (${phases.halved})`);
      assert.ok(phases.stopped.length >= 5 && phases.stopped.every((x) => !x), `from 95%: no more shadow (${phases.stopped.length} requests, ${JSON.stringify(phases)})`);
      assert.ok(spentSoFar() < 0.05 * 0.95 + perCall + 1e-9, `spent ${spentSoFar()}: at most one in-flight call past 95%`);
      const text = await r.metrics();
      assert.equal(counter(text, 'warmpath_shadow_budget_state', { workload: 'support' }), 2);
      assert.ok(counter(text, 'warmpath_shadow_skipped_total', { workload: 'support', reason: 'budget' }) > 0);
    } finally {
      await r.close();
    }
  });

  test('noise twins re-send to the primary itself and pair with the primary', async () => {
    const r = await startRouter({
      providers: { sim: { kind: 'simulated' } },
      routes: { p: route('sim', 'p'), s: route('sim', 's') },
      workloads: { support: { primary: 'p', secondaries: ['s'], shadow: { sample_rate: 1, noise_rate: 1, max_concurrency: 10, max_rps: 1000 } } },
    });
    try {
      await ask(r.client('support'));
      await r.shadow.drain();
      const [primary] = r.byKind('primary');
      const [twin] = r.byKind('twin');
      assert.equal(twin?.route, 'p');
      assert.equal(twin?.pair_id, primary?.record_id);
      assert.equal(r.byKind('shadow')[0]?.route, 's');

      // Each call carries the API its client called, whichever API served the primary.
      await r.client('support').responses.create({ model: 'x', input: 'hello' });
      const messages = await fetch(`${r.client('support').baseURL}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-warmpath-workload': 'support' },
        body: JSON.stringify({ model: 'x', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] }),
      });
      assert.equal(messages.status, 200);
      await r.shadow.drain();
      const apiOf = new Map(r.byKind('primary').map((p) => [p.record_id, p.api]));
      assert.deepEqual([...apiOf.values()], ['chat_completions', 'responses', 'messages']);
      const mirrored = r.records.filter((c) => c.kind !== 'primary');
      assert.equal(mirrored.length, 6);
      for (const call of mirrored) assert.equal(call.api, apiOf.get(call.pair_id), `${call.kind} of ${call.pair_id}`);
    } finally {
      await r.close();
    }
  });

  test('a streamed primary is mirrored as a stream and the shadow TTFT is recorded', async () => {
    const p = await upstream(() => startOpenAIUpstream('p'));
    const s = await upstream(() => startOpenAIUpstream('s'));
    const r = await startRouter({
      providers: { p: { kind: 'openai', base_url: p.url }, s: { kind: 'openai', base_url: s.url } },
      routes: { p: route('p', 'p'), s: route('s', 's') },
      workloads: { support: { primary: 'p', secondaries: ['s'], shadow: { sample_rate: 1, max_concurrency: 10, max_rps: 1000 } } },
    });
    try {
      const stream = await r.client('support').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }], stream: true });
      for await (const _ of stream) void _;
      await r.shadow.drain();
      const [shadow] = r.byKind('shadow');
      assert.equal(s.hits[0]?.body.stream, true);
      assert.equal(shadow?.stream, true);
      assert.equal(shadow?.response?.content, 'hello from s');
      assert.ok(typeof shadow?.ttft_ms === 'number' && shadow.ttft_ms <= shadow.latency_ms);
    } finally {
      await r.close();
    }
  });

  test('a failing shadow is recorded as an error and never affects the client', async () => {
    const r = await startRouter({
      providers: { sim: { kind: 'simulated' } },
      routes: { p: route('sim', 'p'), s: route('sim', 's', { simulate: { error_rate: 1, error_status: 503 } }) },
      workloads: { support: { primary: 'p', secondaries: ['s'], shadow: { sample_rate: 1, max_concurrency: 10, max_rps: 1000 } } },
    });
    try {
      const answer = await ask(r.client('support'));
      assert.ok(answer.choices[0]?.message.content);
      await r.shadow.drain();
      const [shadow] = r.byKind('shadow');
      assert.equal(shadow?.outcome, 'error');
      assert.equal(shadow?.status, 503);
      assert.equal(shadow?.error_class, 'server_error');
    } finally {
      await r.close();
    }
  });

  test('a provider client that throws, at once or later, gives each shadow call a recorded error; none is lost', async () => {
    const broken = (complete: ProviderClient['complete']) => (client: ProviderClient): ProviderClient => ({ ...client, complete });
    const throwsAtOnce = broken(() => {
      throw new Error('client bug');
    });
    const rejects = broken(() => Promise.reject(new Error('client bug')));
    const r = await startRouter(
      {
        providers: { sim: { kind: 'simulated' } },
        routes: { p: route('sim', 'p'), at_once: route('sim', 'a'), later: route('sim', 'l'), fine: route('sim', 'f') },
        workloads: { support: { primary: 'p', secondaries: ['at_once', 'later', 'fine'], shadow: { sample_rate: 1, max_concurrency: 40, max_rps: 1000 } } },
      },
      7,
      (name, client) => (name === 'at_once' ? throwsAtOnce(client) : name === 'later' ? rejects(client) : client),
    );
    try {
      for (let i = 0; i < 3; i++) assert.ok((await ask(r.client('support'), `question ${i}`)).choices[0]?.message.content);
      await r.shadow.drain();
      const byRoute = (name: string) => r.byKind('shadow').filter((s) => s.route === name);
      for (const name of ['at_once', 'later']) {
        const shadows = byRoute(name);
        assert.equal(shadows.length, 3, name);
        for (const shadow of shadows) {
          assert.equal(shadow.outcome, 'error');
          assert.equal(shadow.error_class, 'malformed_response');
          assert.equal(shadow.status, 0);
        }
      }
      assert.deepEqual(byRoute('fine').map((s) => s.outcome), ['ok', 'ok', 'ok']);
      const metrics = await r.metrics();
      for (const name of ['at_once', 'later']) assert.equal(counter(metrics, 'warmpath_shadow_calls_total', { route: name, outcome: 'error' }), 3, name);
      assert.equal(metricValue(metrics, 'warmpath_shadow_dropped_total'), undefined, 'nothing dropped');
    } finally {
      await r.close();
    }
  });
});
