// The evaluator's optional embeddings and judge routes against the real embedded ClickHouse
// and a local OpenAI-compatible upstream: the semantic check in embeddings cosine for twins
// and shadows, the judge failing a pair with its reason, rate limits at the upstream, and
// outages falling back without failing the run.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { toExchangeRow } from '../collector/row.ts';
import { seededRandom } from '../core/clock.ts';
import { parseConfig } from '../core/index.ts';
import { createEvaluator } from '../evaluator/evaluator.ts';
import { FeedPublisher } from '../evaluator/feed.ts';
import { embeddingCosine, textSimilarity } from '../evaluator/scorers/index.ts';
import { createEvaluatorStore } from '../evaluator/store.ts';
import { clientSql } from '../evaluator/store-sql.ts';
import { simulatedEmbedding } from '../providers/index.ts';
import type { Config, ExchangeRecord } from '../schemas/index.ts';
import { startAssistUpstream } from './helpers/assist-upstream.ts';
import { rows, testDatabase } from './helpers/clickhouse.ts';
import { answerRecord } from './helpers/answers.ts';
import { route } from './helpers/warmpath.ts';

const upstream = await startAssistUpstream();
after(() => upstream.close());

type Parity = Record<string, unknown>;

function configWith(parity: Parity, provider: Record<string, unknown> = { kind: 'openai', base_url: `${upstream.url}/v1`, api_key: 'sk-assist' }): Config {
  return parseConfig(
    stringify({
      providers: { sim: { kind: 'simulated' }, oai: provider },
      routes: { main: route('sim', 'm'), backup: route('sim', 'b'), embedder: route('oai', 'text-embedding-3-small'), referee: route('oai', 'gpt-judge') },
      workloads: {
        support: {
          primary: 'main',
          secondaries: ['backup'],
          parity: { window: '1h', min_samples: 5, warm_within: '10m', min_pass_rate: 0.5, enter_after: 1, min_similarity: 0.5, ...parity },
          storage: { content: 'full', retention_days: 30 },
        },
      },
      evaluator: { min_twins: 10 },
    }),
    'assist.yaml',
  );
}

const embeddings = { route: 'embedder', batch_size: 8, max_rps: 1000, max_concurrency: 4, timeout_ms: 2000 };
const judge = { route: 'referee', sample_rate: 1, max_calls_per_run: 100, max_rps: 1000, max_concurrency: 1, timeout_ms: 2000 };

const facts = ['five business days', 'three business days', 'one week', 'ten days', 'two weeks', 'a month'];
const answerFor = (i: number) => `Refunds for damaged items arrive within ${facts[i % facts.length]} once the carrier confirms ticket ${i}.`;
const request = { messages: [{ role: 'user' as const, content: 'How do refunds for damaged items work?' }] };

const record = (kind: ExchangeRecord['kind'], ts: number, routeName: string, content: string, pairId?: string): ExchangeRecord =>
  answerRecord(kind, ts, routeName, content, request, pairId);

interface Row {
  record_id: string;
  kind: string;
  pass: boolean;
  failing: string[];
  similarity: number;
  similarity_source: string;
  lexical_similarity: number;
  check_names: string[];
  check_details: string[];
  primary_excerpt: string;
  shadow_excerpt: string;
}

/** Stores `n` pairs (primary, twin, shadow) and runs the evaluator once with `config`. */
async function evaluate(
  name: string,
  config: Config,
  n: number,
  shadowContent: (i: number) => string,
  random = seededRandom(7),
  twinContent = (i: number) => answerFor(i).replace('arrive', 'come back'),
  stopAfterMs?: number,
) {
  const db = await testDatabase(name);
  const now = Date.now();
  const records: ExchangeRecord[] = [];
  for (let i = 0; i < n; i++) {
    const p = record('primary', now - 60_000 + i, 'main', answerFor(i));
    records.push(p, record('twin', now - 60_000 + i, 'main', twinContent(i), p.record_id));
    records.push(record('shadow', now - 60_000 + i, 'backup', shadowContent(i), p.record_id));
  }
  await db.client.insert({ table: `${db.database}.exchanges`, values: records.map((r) => toExchangeRow(r, config.workloads.support!.storage)), format: 'JSONEachRow' });
  const publisher = new FeedPublisher(60_000);
  const evaluator = createEvaluator({
    config, store: createEvaluatorStore({ sql: clientSql(db.client), database: db.database }), publisher, alerts: undefined,
    clock: { now: () => now, monotonic: () => performance.now() }, logger: pino({ level: 'silent' }), random,
  });
  const run = evaluator.runOnce();
  if (stopAfterMs !== undefined) setTimeout(() => void evaluator.stop(), stopAfterMs);
  const summary = await run;
  await evaluator.stop();
  const results = await rows<Row>(db, `SELECT * FROM ${db.database}.parity_results FINAL ORDER BY ts, kind`);
  return { summary, results, shadows: results.filter((r) => r.kind === 'shadow'), twins: results.filter((r) => r.kind === 'twin'), publisher };
}

const detailOf = (r: Row, check: string) => r.check_details[r.check_names.indexOf(check)] ?? '';
const feedParity = (publisher: FeedPublisher, route: string, keys: readonly string[]) => {
  const parity = publisher.current?.routes.find((e) => e.route === route)?.parity ?? {};
  return Object.fromEntries(keys.map((k) => [k, parity[k]]));
};
const reset = () => {
  upstream.embeddingCalls.length = 0;
  upstream.judgeCalls.length = 0;
  upstream.maxInFlight.embeddings = 0;
  upstream.maxInFlight.judge = 0;
  upstream.mode = { embeddings: 'ok', judge: 'ok' };
};

test('with an embeddings route the semantic check uses the cosine, for twins and shadows, batched and once per record', async () => {
  reset();
  const config = configWith({ embeddings });
  const n = 12;
  const { summary, shadows, twins, publisher } = await evaluate('assist_embeddings', config, n, (i) => answerFor(i).replace('Refunds', 'Money back'));
  assert.deepEqual([summary.scored, summary.twins], [n, n]);
  for (const r of [...twins, ...shadows]) {
    assert.equal(r.similarity_source, 'embeddings');
    const want = embeddingCosine(simulatedEmbedding(r.primary_excerpt), simulatedEmbedding(r.shadow_excerpt));
    assert.ok(Math.abs(r.similarity - (want ?? -1)) < 1e-9, `cosine ${r.similarity} vs ${want}`);
    assert.ok(Math.abs(r.lexical_similarity - textSimilarity(r.primary_excerpt, r.shadow_excerpt)) < 1e-9);
    assert.match(detailOf(r, 'semantic'), /^embeddings cosine \d\.\d\d/);
  }
  // Shadows are judged against the twins scored in the same measure.
  assert.match(detailOf(shadows[0]!, 'semantic'), new RegExp(`noise floor \\d\\.\\d\\d \\(from ${n} twins with embeddings\\)`));
  // The feed says which measure the route's window was judged in.
  assert.deepEqual(feedParity(publisher, 'backup', ['similarity_source', 'twins']), { similarity_source: 'embeddings', twins: n });
  // 12 primaries (shared by twin and shadow), 12 twins, 12 shadows: 36 texts in batches of 8.
  const inputs = upstream.embeddingCalls.flatMap((c) => c.inputs);
  assert.equal(inputs.length, 3 * n);
  assert.equal(upstream.embeddingCalls.length, Math.ceil((3 * n) / 8));
  assert.ok(upstream.embeddingCalls.every((c) => c.inputs.length <= 8 && c.model === 'text-embedding-3-small' && c.authorization === 'Bearer sk-assist'));
  assert.ok(upstream.maxInFlight.embeddings >= 2 && upstream.maxInFlight.embeddings <= 4, `in flight ${upstream.maxInFlight.embeddings}`);
});

test('equal texts are embedded once: a deterministic primary and its twin', async () => {
  reset();
  const { twins } = await evaluate('assist_dedupe', configWith({ embeddings }), 4, (i) => `${answerFor(i)} Thanks.`, seededRandom(7), answerFor);
  assert.equal(upstream.embeddingCalls.flatMap((c) => c.inputs).length, 8, '4 primaries (= their twins) and 4 shadows');
  for (const r of twins) assert.deepEqual([r.similarity_source, r.similarity], ['embeddings', 1]);
});

test('the judge fails a pair it deems not equivalent, with its reason; never two judge calls in flight at max_concurrency 1', async () => {
  reset();
  const config = configWith({ judge });
  const { shadows } = await evaluate('assist_judge', config, 8, (i) => (i % 4 === 0 ? `${answerFor(i)} WRONG` : answerFor(i)));
  assert.equal(upstream.judgeCalls.length, 8);
  assert.equal(upstream.maxInFlight.judge, 1);
  assert.ok(upstream.judgeCalls.every((c) => c.model === 'gpt-judge' && (c.body.response_format as { type: string }).type === 'json_schema'));
  const wrong = shadows.filter((r) => r.shadow_excerpt.includes('WRONG'));
  assert.equal(wrong.length, 2);
  for (const r of wrong) {
    assert.equal(r.pass, false);
    assert.ok(r.failing.includes('judge'));
    assert.equal(detailOf(r, 'judge'), 'judge referee: not equivalent: The candidate contradicts the reference: it says WRONG.');
  }
  for (const r of shadows.filter((x) => !x.shadow_excerpt.includes('WRONG'))) {
    assert.equal(r.pass, true, r.check_details.join(' | '));
    assert.equal(detailOf(r, 'judge'), 'judge referee: equivalent: Same facts and conclusion.');
  }
});

test('judge sampling and max_rps: a seeded share of pairs, at most max_calls_per_run, spaced by 1/max_rps', async () => {
  reset();
  const config = configWith({ judge: { ...judge, sample_rate: 0.5, max_calls_per_run: 3, max_rps: 10, max_concurrency: 2 } });
  const { shadows } = await evaluate('assist_judge_rate', config, 12, (i) => answerFor(i), seededRandom(3));
  const judged = shadows.filter((r) => r.check_names.includes('judge'));
  assert.equal(judged.length, 3);
  assert.equal(upstream.judgeCalls.length, 3);
  const starts = upstream.judgeCalls.map((c) => c.startedAt).sort((a, b) => a - b);
  // 100 ms apart at the limiter; arrival jitter at the upstream is allowed for.
  for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! - starts[i - 1]! >= 60, `calls ${(starts[i]! - starts[i - 1]!).toFixed(1)} ms apart`);
});

test('an embeddings outage falls back to the embedded similarity and the run completes; a failing judge leaves the pair unjudged', async () => {
  reset();
  upstream.mode = { embeddings: 'error', judge: 'error' };
  const config = configWith({ embeddings, judge });
  const { summary, shadows, twins, publisher } = await evaluate('assist_outage', config, 6, (i) => `${answerFor(i)} WRONG`);
  assert.deepEqual([summary.scored, summary.twins], [6, 6]);
  for (const r of [...twins, ...shadows]) {
    assert.equal(r.similarity_source, 'lexical');
    assert.equal(r.similarity, r.lexical_similarity);
    assert.match(detailOf(r, 'semantic'), /embeddings unavailable \(server_error 503: embeddings are down\): embedded similarity used/);
  }
  assert.deepEqual(feedParity(publisher, 'backup', ['similarity_source', 'twins']), { similarity_source: 'lexical', twins: 6 });
  for (const r of shadows) {
    assert.ok(!r.check_names.includes('judge'));
    assert.match(detailOf(r, 'semantic'), /judge referee unavailable \(server_error 500: judge is down\): not judged/);
  }
});

test('malformed embeddings, a judge answering prose and a hung judge: fallbacks with the reason, within the timeout', async () => {
  reset();
  upstream.mode = { embeddings: 'malformed', judge: 'prose' };
  const config = configWith({ embeddings, judge });
  let { shadows } = await evaluate('assist_malformed', config, 3, (i) => answerFor(i));
  for (const r of shadows) {
    assert.equal(r.similarity_source, 'lexical');
    assert.match(detailOf(r, 'semantic'), /embeddings unavailable \(malformed_response 200: embeddings answer has \d+ vectors for \d+ inputs\)/);
    assert.match(detailOf(r, 'semantic'), /judge referee unavailable \(malformed_response: answer is not JSON: They look about the same/);
  }
  reset();
  upstream.mode = { embeddings: 'ok', judge: 'hang' };
  const started = performance.now();
  ({ shadows } = await evaluate('assist_hang', configWith({ judge: { ...judge, max_concurrency: 3, timeout_ms: 200 } }), 3, (i) => answerFor(i)));
  assert.ok(performance.now() - started < 5000);
  for (const r of shadows) assert.match(detailOf(r, 'semantic'), /judge referee unavailable \(timeout: upstream did not answer in time\)/);
});

test('stopping the evaluator cuts hung judge calls short: the run completes, the pairs unjudged', async () => {
  reset();
  upstream.mode = { embeddings: 'ok', judge: 'hang' };
  const started = performance.now();
  const { summary, shadows } = await evaluate('assist_stop', configWith({ judge: { ...judge, timeout_ms: 30_000 } }), 3, (i) => answerFor(i), seededRandom(7), undefined, 200);
  assert.ok(performance.now() - started < 5000);
  assert.equal(summary.scored, 3);
  for (const r of shadows) assert.match(detailOf(r, 'semantic'), /judge referee unavailable \(cancelled: the evaluator is stopping\): not judged/);
});

test('a simulated embeddings route needs no network: deterministic cosines', async () => {
  reset();
  const config = configWith({ embeddings: { route: 'embedder' } }, { kind: 'simulated' });
  const { shadows } = await evaluate('assist_simulated', config, 4, (i) => answerFor(i));
  assert.equal(upstream.embeddingCalls.length, 0);
  for (const r of shadows) {
    assert.equal(r.similarity_source, 'embeddings');
    assert.equal(r.similarity, embeddingCosine(simulatedEmbedding(r.primary_excerpt), simulatedEmbedding(r.shadow_excerpt)));
  }
});
