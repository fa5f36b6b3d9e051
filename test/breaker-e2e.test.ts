// The per-route circuit breaker seen from outside: opens after consecutive failures, sends
// traffic straight to the failover chain while open, probes after the cool-down, recovers.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { openAIError, startOpenAIUpstream, type TestUpstream } from './helpers/upstreams.ts';
import { route, startWarmpath, type TestWarmpath } from './helpers/warmpath.ts';

let now = Date.parse('2026-11-21T12:00:00Z');
const clock = { now: () => now, monotonic: () => performance.now() };
let primary: TestUpstream;
let backup: TestUpstream;
let wp: TestWarmpath;
let client: OpenAI;

before(async () => {
  primary = await startOpenAIUpstream('primary');
  backup = await startOpenAIUpstream('backup');
  wp = await startWarmpath(
    {
      providers: { p: { kind: 'openai', base_url: primary.url }, b: { kind: 'openai', base_url: backup.url } },
      routes: { main: route('p', 'm', { breaker: { failure_threshold: 2, cooldown_ms: 60_000 } }), spare: route('b', 'm') },
      workloads: { support: { primary: 'main', secondaries: ['spare'], retry: { attempts: 1, timeout_ms: 2000 } } },
    },
    { clock },
  );
  client = new OpenAI({ baseURL: `${wp.routerUrl}/v1`, apiKey: 'x', maxRetries: 0 });
});
after(async () => {
  await wp.close();
  await primary.close();
  await backup.close();
});

async function ask(): Promise<string | null> {
  const { response } = await client.chat.completions.create({ model: 'support', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  return response.headers.get('x-warmpath-route');
}

async function breakerState(): Promise<string | undefined> {
  const text = await (await fetch(`${wp.adminUrl}/metrics`)).text();
  return /warmpath_breaker_state\{[^}]*route="main"[^}]*\} (\d)/.exec(text)?.[1];
}

test('opens, short-circuits, probes after the cool-down and recovers', async () => {
  primary.script(openAIError(503, 'down'), openAIError(503, 'down'));
  assert.equal(await ask(), 'spare');
  assert.equal(await ask(), 'spare');
  assert.equal(primary.hits.length, 2);
  assert.equal(await breakerState(), '2', 'open');

  assert.equal(await ask(), 'spare');
  assert.equal(primary.hits.length, 2, 'open breaker: the primary is not called');
  const records = await wp.waitForRecords(3);
  assert.deepEqual(records[2]?.attempts.map((a) => [a.route, a.error_class]), [['main', 'breaker_open'], ['spare', null]]);

  now += 60_000;
  assert.equal(await breakerState(), '1', 'half-open after the cool-down');
  assert.equal(await ask(), 'main', 'the probe succeeds and serves');
  assert.equal(primary.hits.length, 3);
  assert.equal(await breakerState(), '0', 'closed again');
  assert.equal(await ask(), 'main');
});
