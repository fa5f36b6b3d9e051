// A day in warmpath's life for the dashboard truth test: the real router, collector and
// evaluator of `warmpath start` on the embedded ClickHouse (startWarmpath), the official
// openai SDK as the client, an injected clock; evaluations are run at chosen times
// (evaluator.interval is 1h, so its own loop stays out of the way).
//
// Timeline (B = 30 min before the test starts):
//   B .. B+10m   support: 40 requests mirrored to steady and drifty (sample_rate 1, half
//                with a noise twin); billing: 25 requests mirrored to steady. Evaluations
//                at B+10m and B+10m15s admit support/steady, support/drifty, billing/steady
//   B+11m        drifty drifts: it renames the JSON key `answer` to `reply`
//   B+12 .. 25m  the same again; evaluation at B+25m: support/drifty loses eligibility
//   B+26m        billing's primary `flaky` starts answering 503: 12 requests fail over to
//                steady (eligible in the feed) and after 2 failures flaky's breaker opens
//   now          digest: 20 requests whose twins are expensive: its $1 budget runs out
//                (through the Responses API, but for the streamed ones)
//   then         a last evaluation at the real time
// Never sampled: archive/steady (sample_rate 0). Never certified: support/leaky.

import OpenAI from 'openai';
import { seededRandom, type ClickHouseStore } from '../../core/index.ts';
import type { Config, ExchangeRecord } from '../../schemas/index.ts';
import { rows, testStore, waitForCount } from './clickhouse.ts';
import { route, startWarmpath, usPolicy } from './warmpath.ts';

export const database = 'dash_truth';

export interface Scenario {
  readonly config: Config;
  readonly store: ClickHouseStore;
  readonly records: readonly ExchangeRecord[];
  /** Start of the traffic (B) and when drifty drifted. */
  readonly startMs: number;
  readonly driftAtMs: number;
  /** When billing's primary started failing. */
  readonly failAtMs: number;
  /** The end of the last phase (the digest traffic ran at the real time). */
  readonly endMs: number;
}

const minute = 60_000;

function scenarioConfig(driftAtMs: number, failAtMs: number) {
  const sim = (median: number, extra: Record<string, unknown> = {}) => ({ latency: { median_ms: median }, variability: 0.05, ...extra });
  const parity = { window: '1h', min_samples: 20, warm_within: '10m', min_pass_rate: 0.8, enter_after: 2, latency_ratio_max: 50, ttft_ratio_max: 50 };
  const shadow = (noise: number, budget: number) => ({ sample_rate: 1, noise_rate: noise, max_concurrency: 8, max_rps: 10_000, queue_size: 1000, daily_budget_usd: budget });
  return {
    storage: { database, batch_max_delay_ms: 10 },
    telemetry: { log_level: 'silent' },
    providers: { sim: { kind: 'simulated', seed: 3 } },
    routes: {
      main: route('sim', 'main-model', { simulate: sim(4) }),
      steady: route('sim', 'steady-model', { simulate: sim(6) }),
      drifty: route('sim', 'drifty-model', { simulate: sim(6, { drift_at: new Date(driftAtMs).toISOString(), drift: { rename_keys: { answer: 'reply' } } }) }),
      leaky: route('sim', 'leaky-model', { policy: { ...usPolicy, retention_days: 90 } }),
      flaky: route('sim', 'flaky-model', {
        simulate: sim(4, { drift_at: new Date(failAtMs).toISOString(), drift: { error_rate: 1, error_status: 503 } }),
        breaker: { failure_threshold: 2, cooldown_ms: 3_600_000 },
      }),
      pricey: route('sim', 'pricey-model', { price: { input_per_mtok: 2000, output_per_mtok: 2000 }, simulate: sim(2) }),
      embedder: route('sim', 'embedding-model'),
    },
    workloads: {
      support: { primary: 'main', secondaries: ['steady', 'drifty', 'leaky'], requires: { max_retention_days: 30 }, shadow: shadow(0.5, 1000), parity },
      // Billing's semantic check is in embeddings cosine: the panels tell the measures apart.
      billing: { primary: 'flaky', secondaries: ['steady'], retry: { attempts: 1 }, shadow: shadow(1, 1000), parity: { ...parity, embeddings: { route: 'embedder' } } },
      digest: { primary: 'pricey', shadow: { ...shadow(1, 1), max_concurrency: 1 } },
      archive: { primary: 'main', secondaries: ['steady'], shadow: { sample_rate: 0 } },
    },
    evaluator: { interval: '1h', feed_ttl: '2h', min_twins: 10 },
  };
}

export async function runScenario(): Promise<Scenario> {
  const startMs = Math.floor((Date.now() - 30 * minute) / minute) * minute;
  const driftAtMs = startMs + 11 * minute;
  const failAtMs = startMs + 26 * minute;
  let now = startMs;
  const clock = { now: () => now, monotonic: () => performance.now() };
  const shared = await testStore();
  const wp = await startWarmpath(scenarioConfig(driftAtMs, failAtMs), { store: shared, clock, random: seededRandom(11) });
  const store = { ...shared, database };
  try {
    const evaluator = wp.evaluation?.evaluator;
    if (evaluator === undefined) throw new Error('startWarmpath with a store runs no evaluator');
    // The loop's first run (at start) has published the feed before ours begin.
    while (wp.evaluation?.ready() !== true) await new Promise((r) => setTimeout(r, 10));
    const client = (workload: string) =>
      new OpenAI({ baseURL: `${wp.routerUrl}/v1`, apiKey: 'local', maxRetries: 0, defaultHeaders: { 'x-warmpath-workload': workload } });

    // Prompts are numbered by phase, not stamped with the time: the simulated answers (and
    // so every score) follow the prompt, and a prompt holding the start minute made the
    // outcome depend on the minute the test ran in.
    let phase = 0;
    async function traffic(workload: string, count: number, fromMs: number, stepMs: number): Promise<void> {
      const sdk = client(workload);
      phase += 1;
      for (let i = 0; i < count; i++) {
        now = fromMs + i * stepMs;
        const content = `Ticket ${workload}-${phase}-${i}: how are refunds for damaged items handled?`;
        const request = { model: workload, messages: [{ role: 'user' as const, content }], response_format: { type: 'json_object' as const } };
        if (i % 4 === 3) {
          for await (const chunk of await sdk.chat.completions.create({ ...request, stream: true })) void chunk;
        } else if (workload === 'digest') {
          // The same chat request inside, through OpenAI's Responses API.
          await sdk.responses.create({ model: workload, input: content, text: { format: { type: 'json_object' } } });
        } else {
          await sdk.chat.completions.create(request);
        }
        // Before the clock moves on, so shadows and twins carry their primary's time.
        await wp.shadow.drain();
      }
      await wp.storage?.collector.flush();
      const stored = await waitForCount(store, `SELECT count() AS n FROM ${database}.exchanges FINAL`, wp.records.length, 15_000);
      if (stored < wp.records.length) throw new Error(`ClickHouse holds ${stored} of ${wp.records.length} records`);
    }
    const evaluateAt = async (ms: number) => {
      now = ms;
      return evaluator.runOnce();
    };

    await traffic('support', 40, startMs, 15_000);
    await traffic('billing', 25, startMs + 30_000, 20_000);
    await evaluateAt(startMs + 10 * minute);
    await evaluateAt(startMs + 10 * minute + 15_000);
    await traffic('support', 40, startMs + 12 * minute, 20_000);
    await traffic('billing', 25, startMs + 12 * minute + 10_000, 30_000);
    await evaluateAt(startMs + 25 * minute);
    await traffic('billing', 12, failAtMs, 2_000);
    await traffic('digest', 20, Date.now(), 10);
    await evaluateAt(Math.max(Date.now(), now + 1));
    const [events] = await rows<{ n: string }>(store, `SELECT count() AS n FROM ${database}.eligibility_events FINAL`);
    if (Number(events?.n) !== 4) throw new Error(`expected 4 eligibility changes (three routes in, drifty out), got ${events?.n}`);
    return { config: wp.config, store, records: [...wp.records], startMs, driftAtMs, failAtMs, endMs: now };
  } finally {
    await wp.close();
  }
}
