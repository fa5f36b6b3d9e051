// The at-scale topology in miniature: a lone `warmpath router` sending its records to a
// collector and following an evaluator's feed over HTTP (here both served by a `start`
// process on the embedded store), the official openai SDK as the client.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { serve, type RunningServices } from '../bin/serve.ts';
import { parseConfig } from '../core/index.ts';
import { rows, testStore } from './helpers/clickhouse.ts';
import { route, startWarmpath, type TestWarmpath } from './helpers/warmpath.ts';

const shared = {
  providers: { sim: { kind: 'simulated', seed: 3 } },
  routes: { main: route('sim', 'main-sim', { simulate: { variability: 0.02 } }), backup: route('sim', 'backup-sim', { simulate: { variability: 0.02 } }) },
  workloads: {
    support: {
      primary: 'main',
      secondaries: ['backup'],
      shadow: { sample_rate: 1, noise_rate: 0.5, max_concurrency: 8, max_rps: 10_000 },
      parity: { window: '1h', min_samples: 10, warm_within: '10m', min_pass_rate: 0.7, enter_after: 1 },
      storage: { content: 'full', retention_days: 7 },
    },
  },
  evaluator: { interval: '1h', min_twins: 5 },
};

let hub: TestWarmpath;
let router: RunningServices;
let client: OpenAI;

before(async () => {
  hub = await startWarmpath({ ...shared, storage: { database: 'at_scale', batch_max_delay_ms: 10 } }, { store: await testStore() });
  const routerConfig = parseConfig(
    stringify({ ...shared, server: { listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0', collector_url: hub.adminUrl, feed_url: hub.adminUrl } }),
    'router.yaml',
  );
  router = await serve(routerConfig, { mode: 'router', logger: pino({ level: 'silent' }) });
  client = new OpenAI({ baseURL: `${router.routerUrl}/v1`, apiKey: 'x', maxRetries: 0 });
});
after(async () => {
  await router?.close();
  await hub?.close();
});

test('a lone router stores through the collector and obeys the evaluator it polls', async () => {
  for (let i = 0; i < 20; i++) {
    await client.chat.completions.create({ model: 'support', messages: [{ role: 'user', content: `Where is parcel ${i}?` }], response_format: { type: 'json_object' } });
  }
  await router.shadow.drain();
  const store = await testStore();
  const count = async () => Number((await rows<{ n: string }>({ ...store, database: 'at_scale' }, `SELECT count() AS n FROM at_scale.exchanges FINAL WHERE kind = 'shadow'`))[0]?.n ?? 0);
  const deadline = Date.now() + 20_000;
  while ((await count()) < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await count(), 20, 'the router\'s shadow records reached the collector over HTTP');
  const primaries = await rows<{ n: string }>({ ...store, database: 'at_scale' }, `SELECT count() AS n FROM at_scale.exchanges FINAL WHERE kind = 'primary'`);
  assert.equal(Number(primaries[0]?.n), 20);

  await hub.evaluation?.evaluator.runOnce();
  const deadlineFeed = Date.now() + 20_000;
  while (!router.eligibility.snapshot().isEligible('support', 'backup') && Date.now() < deadlineFeed) await new Promise((r) => setTimeout(r, 50));
  const why = async () => JSON.stringify(await (await fetch(`${hub.adminUrl}/v1/routes`)).json());
  assert.equal(router.eligibility.snapshot().isEligible('support', 'backup'), true, `the router follows the evaluator's feed: ${await why()}`);
  const routes = (await (await fetch(`${router.adminUrl}/v1/routes`)).json()) as { route: string; eligible: boolean; breaker: string }[];
  assert.deepEqual(routes.map((r) => [r.route, r.eligible, r.breaker]), [['main', true, 'closed'], ['backup', true, 'closed']]);
});
