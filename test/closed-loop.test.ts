// The closed loop, end to end: real router, in-process collector on the embedded ClickHouse,
// evaluator, feed; the official openai SDK as the client. A secondary becomes eligible from
// warm shadow traffic and takes over when the primary fails; then it drifts (renamed JSON
// keys), loses eligibility, and a primary failure no longer fails over to it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { seededRandom } from '../core/index.ts';
import { simulateAnswer } from '../providers/simulated-answer.ts';
import { fnv1a } from '../providers/simulated-hash.ts';
import type { ChatRequest } from '../schemas/index.ts';
import { testStore } from './helpers/clickhouse.ts';
import { openAIError, startUpstream, type TestUpstream } from './helpers/upstreams.ts';
import { route, startWarmpath, type TestWarmpath } from './helpers/warmpath.ts';

const start = Date.now();
const driftAt = start + 3 * 3_600_000;
let offset = 0;
const clock = { now: () => start + offset, monotonic: () => performance.now() };

const noiseSeed = 11;
let primary: TestUpstream;
let wp: TestWarmpath;
let client: OpenAI;

before(async () => {
  // The primary speaks OpenAI over HTTP (so a test can make it fail) and answers like the
  // simulated provider would: same prompt, same answer, a little run-to-run noise. The
  // noise of a prompt's n-th answer is seeded by the prompt and n, not drawn in arrival
  // order: noise twins arrive whenever the shadow lane sends them, and under a busy test
  // run that order (and with one shared sequence, every answer) would change.
  const asked = new Map<string, number>();
  primary = await startUpstream((hit) => {
    const request = hit.body as unknown as ChatRequest;
    const prompt = JSON.stringify(request.messages);
    const n = asked.get(prompt) ?? 0;
    asked.set(prompt, n + 1);
    const noise = seededRandom(fnv1a(prompt, noiseSeed + n));
    const outcome = simulateAnswer(request, { variability: 0.03 }, noise, String(hit.body.model), clock.now());
    return outcome.kind === 'answer' ? { body: outcome.completion } : openAIError(500, 'unexpected');
  });
  wp = await startWarmpath(
    {
      storage: { database: 'closed_loop', batch_max_rows: 500, batch_max_delay_ms: 10 },
      providers: { up: { kind: 'openai', base_url: primary.url }, sim: { kind: 'simulated', seed: 5 } },
      routes: {
        main: route('up', 'gpt-main'),
        backup: route('sim', 'claude-sim', { simulate: { variability: 0.03, drift_at: new Date(driftAt).toISOString(), drift: { rename_keys: { answer: 'reply' } } } }),
      },
      workloads: {
        support: {
          primary: 'main',
          secondaries: ['backup'],
          retry: { attempts: 2, timeout_ms: 5000, backoff_ms: 1 },
          shadow: { sample_rate: 1, noise_rate: 0.5, max_concurrency: 8, max_rps: 10_000, queue_size: 1000 },
          parity: { window: '2h', min_samples: 20, warm_within: '10m', min_pass_rate: 0.8, enter_after: 2 },
          storage: { content: 'full', retention_days: 30 },
        },
      },
      evaluator: { interval: '1h', feed_ttl: '1h', min_twins: 10 },
    },
    { clock, store: await testStore() },
  );
  client = new OpenAI({ baseURL: `${wp.routerUrl}/v1`, apiKey: 'x', maxRetries: 0 });
});
after(async () => {
  await wp?.close();
  await primary?.close();
});

const ask = (i: number) =>
  client.chat.completions
    .create({ model: 'support', messages: [{ role: 'user', content: `Summarise ticket ${i} about a damaged parcel refund` }], response_format: { type: 'json_object' } })
    .withResponse();

async function traffic(n: number, from: number): Promise<void> {
  for (let i = from; i < from + n; i++) await ask(i);
  await wp.shadow.drain();
  await wp.storage?.collector.flush();
}

async function evaluate() {
  await wp.evaluation?.evaluator.runOnce();
  return (await (await fetch(`${wp.adminUrl}/v1/routes`)).json()) as { route: string; eligible: boolean | null; reasons: string[]; samples: number | null; similarity_source: string | null }[];
}

test('gains eligibility from warm shadow traffic, takes over, drifts, loses it, and is no longer failed over to', async () => {
  let routes = await evaluate();
  assert.equal(routes.find((r) => r.route === 'backup')?.eligible, false);

  await traffic(40, 0);
  routes = await evaluate();
  const backup = () => routes.find((r) => r.route === 'backup');
  assert.equal(backup()?.samples, 40);
  // No embeddings route in this config: the semantic figures are in the embedded similarity.
  assert.equal(backup()?.similarity_source, 'lexical');
  assert.equal(backup()?.eligible, false, `passing once is not enough (enter_after 2): ${backup()?.reasons}`);
  offset += 60_000;
  routes = await evaluate();
  assert.equal(backup()?.eligible, true, backup()?.reasons.join('; ') ?? 'no entry');

  primary.script(openAIError(503, 'primary down'), openAIError(503, 'primary down'));
  const failedOver = await ask(1000);
  assert.equal(failedOver.response.headers.get('x-warmpath-route'), 'backup');
  assert.equal(failedOver.response.headers.get('x-warmpath-fallback'), '1');

  // Three hours on, the secondary renames a JSON key.
  offset = driftAt - start + 60_000;
  await traffic(40, 2000);
  routes = await evaluate();
  assert.equal(backup()?.eligible, false);
  assert.match(backup()?.reasons.join('; ') ?? 'none', /json_keys failures/);

  primary.script(openAIError(503, 'primary down'), openAIError(503, 'primary down'));
  await assert.rejects(ask(3000).then((r) => r.data), (err: InstanceType<typeof OpenAI.APIError>) => err.status === 503);
});
