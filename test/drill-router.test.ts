// Failover drills on the request path: a real router and real upstreams on 127.0.0.1. Drawn
// requests go to the drill's route first and are served like failovers; a drill route that
// fails (retryable or deterministic) or is not eligible hands the request to the primary.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { openAIChunks, openAIError, startOpenAIUpstream, type TestUpstream } from './helpers/upstreams.ts';
import { route, startWarmpath, type TestWarmpath } from './helpers/warmpath.ts';
import type { DrillReport, EligibilitySource } from '../router/index.ts';

const ineligible = new Set<string>();
const eligibility: EligibilitySource = { snapshot: () => ({ isEligible: (_workload, r) => !ineligible.has(r) }) };
/** The router's random: drills draw `random() < share`; retries jitter with it too. */
let nextRandom = 0.5;

let primary: TestUpstream;
let b: TestUpstream;
let c: TestUpstream;
let wp: TestWarmpath;

before(async () => {
  [primary, b, c] = await Promise.all([startOpenAIUpstream('primary'), startOpenAIUpstream('b'), startOpenAIUpstream('c')]);
  const breaker = { failure_threshold: 100, cooldown_ms: 1000 };
  wp = await startWarmpath(
    {
      providers: { p: { kind: 'openai', base_url: primary.url }, pb: { kind: 'openai', base_url: b.url }, pc: { kind: 'openai', base_url: c.url } },
      routes: { a: route('p', 'model-a', { breaker }), b: route('pb', 'model-b', { breaker }), c: route('pc', 'model-c', { breaker }) },
      workloads: {
        support: { primary: 'a', secondaries: ['b', 'c'], retry: { attempts: 2, timeout_ms: 2000, backoff_ms: 1 } },
        other: { primary: 'a', secondaries: ['b'] },
      },
    },
    { eligibility, random: () => nextRandom },
  );
});
after(async () => {
  await wp.close();
  await Promise.all([primary.close(), b.close(), c.close()]);
});

let drillId: string | undefined;
afterEach(() => {
  if (drillId !== undefined) wp.drills.stop(drillId);
  drillId = undefined;
  ineligible.clear();
  nextRandom = 0.5;
  for (const u of [primary, b, c]) u.hits.length = 0;
  wp.records.length = 0;
});

function startDrill(spec: { route?: string; share?: number } = {}): string {
  drillId = wp.drills.start({ workload: 'support', share: 1, durationMs: 60_000, ...spec }).id;
  return drillId;
}

const report = (): DrillReport => wp.drills.report(drillId as string);

async function ask(workload = 'support', stream = false): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${wp.routerUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-warmpath-workload': workload },
    body: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'hi' }], stream }),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const attemptsOf = async (n = 1) => (await wp.waitForRecords(n)).at(-1)?.attempts.map((a) => [a.route, a.status]);

describe('a drawn request', () => {
  test('is served by the drill route, with the failover headers and the drill id; the primary is not called', async () => {
    const id = startDrill({ route: 'b' });
    const res = await ask();
    assert.equal(res.status, 200);
    assert.match(res.text, /hello from b/);
    assert.equal(res.headers.get('x-warmpath-route'), 'b');
    assert.equal(res.headers.get('x-warmpath-fallback'), '1');
    assert.equal(res.headers.get('x-warmpath-drill'), id);
    assert.equal(primary.hits.length, 0);
    const [record] = await wp.waitForRecords(1);
    assert.equal(record?.route, 'b');
    assert.equal(record?.fallback, true);
    assert.deepEqual(await attemptsOf(), [['b', 200]], 'no primary attempt');
    const stats = report().stats;
    assert.deepEqual([stats.drawn, stats.served_by_drill, stats.fell_back, stats.drill.samples], [1, 1, 0, 1]);
    const metrics = await (await fetch(`${wp.adminUrl}/metrics`)).text();
    assert.match(metrics, /warmpath_drill_requests_total\{[^}]*workload="support"[^}]*route="b"[^}]*outcome="served"[^}]*\} 1/);
  });

  const fallbacks = [
    { name: 'a retryable failure (503)', reply: openAIError(503, 'overloaded'), status: 503, errorClass: 'server_error' },
    { name: 'a deterministic failure (400)', reply: openAIError(400, 'unsupported parameter'), status: 400, errorClass: 'bad_request' },
  ];
  for (const f of fallbacks) {
    test(`falls back to the primary after ${f.name} of the drill route, counted by class`, async () => {
      const id = startDrill({ route: 'b' });
      b.script(f.reply);
      const res = await ask();
      assert.equal(res.status, 200, res.text);
      assert.match(res.text, /hello from primary/);
      assert.equal(res.headers.get('x-warmpath-route'), 'a');
      assert.equal(res.headers.get('x-warmpath-fallback'), '0');
      assert.equal(res.headers.get('x-warmpath-drill'), id, 'every drawn request carries the drill id');
      assert.deepEqual(await attemptsOf(), [['b', f.status], ['a', 200]]);
      const stats = report().stats;
      assert.deepEqual([stats.drawn, stats.served_by_drill, stats.fell_back, stats.client_errors], [1, 0, 1, 0]);
      assert.deepEqual(stats.fell_back_by_error_class, { [f.errorClass]: 1 });
      assert.deepEqual(stats.routes[0]?.failed_by_error_class, { [f.errorClass]: 1 });
      const metrics = await (await fetch(`${wp.adminUrl}/metrics`)).text();
      assert.match(metrics, /warmpath_drill_requests_total\{[^}]*route="b"[^}]*outcome="fell_back"[^}]*\} \d/);
    });
  }

  test('skips a drill route that is not eligible right now: the primary serves, it is counted', async () => {
    startDrill({ route: 'b' });
    ineligible.add('b');
    const res = await ask();
    assert.match(res.text, /hello from primary/);
    assert.equal(b.hits.length, 0);
    assert.deepEqual(await attemptsOf(), [['a', 200]]);
    const stats = report().stats;
    assert.deepEqual([stats.skipped_ineligible, stats.routes[0]?.skipped_ineligible, stats.fell_back], [1, 1, 0]);
  });

  test('without a route, tries the failover chain in order: b not eligible, c serves', async () => {
    startDrill();
    ineligible.add('b');
    const res = await ask();
    assert.match(res.text, /hello from c/);
    assert.equal(res.headers.get('x-warmpath-route'), 'c');
    assert.deepEqual(report().stats.routes.map((r) => [r.route, r.skipped_ineligible, r.served]), [['b', 1, 0], ['c', 0, 1]]);
  });

  test('each drill route is tried once: after the drill and the primary fail, failover skips the route the drill just tried', async () => {
    startDrill({ route: 'b' });
    b.script(openAIError(503, 'down'));
    primary.script(openAIError(503, 'down'), openAIError(503, 'down'));
    const res = await ask();
    assert.match(res.text, /hello from c/);
    assert.deepEqual(await attemptsOf(), [['b', 503], ['a', 503], ['a', 503], ['c', 200]]);
    assert.equal(b.hits.length, 1);
  });

  test('a client error is counted when no one answers', async () => {
    startDrill({ route: 'b' });
    ineligible.add('c');
    b.script(openAIError(503, 'down'));
    primary.script(openAIError(503, 'down'), openAIError(503, 'down'));
    const res = await ask();
    assert.equal(res.status, 503);
    assert.equal(report().stats.client_errors, 1);
  });

  test('streams: served by the drill route before the first byte, with the headers', async () => {
    const id = startDrill({ route: 'b' });
    const res = await ask('support', true);
    assert.equal(res.status, 200);
    assert.match(res.text, /"content":"b"/);
    assert.match(res.text, /data: \[DONE\]/);
    assert.equal(res.headers.get('x-warmpath-route'), 'b');
    assert.equal(res.headers.get('x-warmpath-fallback'), '1');
    assert.equal(res.headers.get('x-warmpath-drill'), id);
    const [record] = await wp.waitForRecords(1);
    assert.deepEqual([record?.stream, record?.outcome, record?.fallback], [true, 'ok', true]);
  });

  test('streams: a drill route failing before its first chunk falls back to the primary stream', async () => {
    startDrill({ route: 'b' });
    b.script({ events: openAIChunks(['never']), breakAfter: 0 });
    const res = await ask('support', true);
    assert.equal(res.status, 200);
    assert.match(res.text, /"content":"primary"/);
    assert.equal(res.headers.get('x-warmpath-route'), 'a');
    assert.deepEqual((await attemptsOf())?.map(([r]) => r), ['b', 'a']);
    assert.equal(report().stats.fell_back, 1);
  });
});

describe('requests not drawn', () => {
  test('go to the primary untouched, with no drill header, and form the baseline', async () => {
    startDrill({ route: 'b', share: 0.3 });
    nextRandom = 0.9;
    const res = await ask();
    assert.match(res.text, /hello from primary/);
    assert.equal(res.headers.get('x-warmpath-drill'), null);
    assert.equal(res.headers.get('x-warmpath-fallback'), '0');
    assert.equal(b.hits.length, 0);
    const stats = report().stats;
    assert.deepEqual([stats.drawn, stats.baseline.requests, stats.baseline.samples], [0, 1, 1]);
  });

  test('another workload is untouched by this workload\'s drill', async () => {
    startDrill({ route: 'b' });
    const res = await ask('other');
    assert.equal(res.headers.get('x-warmpath-route'), 'a');
    assert.equal(res.headers.get('x-warmpath-drill'), null);
    assert.equal(report().stats.baseline.requests, 0);
  });

  test('after the drill ends, nothing is drawn', async () => {
    startDrill({ route: 'b' });
    wp.drills.stop(drillId as string);
    const res = await ask();
    assert.equal(res.headers.get('x-warmpath-route'), 'a');
    assert.equal(res.headers.get('x-warmpath-drill'), null);
  });
});
