// The evaluator against the real embedded ClickHouse: pairing with a persisted watermark,
// idempotent re-scoring, noise calibration, and eligibility transitions with an injected clock.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { test } from 'node:test';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { toExchangeRow } from '../collector/row.ts';
import { parseConfig } from '../core/index.ts';
import { createEvaluator } from '../evaluator/evaluator.ts';
import { FeedPublisher } from '../evaluator/feed.ts';
import { createEvaluatorStore } from '../evaluator/store.ts';
import { clientSql } from '../evaluator/store-sql.ts';
import { eligibilityFeedSchema, type ExchangeRecord } from '../schemas/index.ts';
import { rows, testDatabase } from './helpers/clickhouse.ts';
import { answerRecord } from './helpers/answers.ts';
import { route } from './helpers/warmpath.ts';

const configSource = {
  providers: { sim: { kind: 'simulated' } },
  routes: { main: route('sim', 'm'), backup: route('sim', 'b'), leaky: route('sim', 'l', { policy: { region: 'eu', retention_days: 0, logs_prompts: false, data_classes: ['pii'], tools: true } }) },
  workloads: {
    support: {
      primary: 'main',
      secondaries: ['backup', 'leaky'],
      requires: { regions: ['us'] },
      parity: { window: '1h', min_samples: 20, warm_within: '10m', min_pass_rate: 0.8, enter_after: 2, min_similarity: 0.5 },
      storage: { content: 'full', retention_days: 30 },
    },
  },
  evaluator: { min_twins: 10 },
};
const config = parseConfig(stringify(configSource), 'test.yaml');

const answer = 'Refunds for damaged items are issued within five business days once the carrier confirms the damage report.';
const request = { messages: [{ role: 'user' as const, content: 'How do refunds for damaged items work?' }], response_format: { type: 'json_object' as const } };

const record = (kind: ExchangeRecord['kind'], ts: number, routeName: string, content: string, pairId?: string): ExchangeRecord =>
  answerRecord(kind, ts, routeName, content, request, pairId);

test('cold → warm → eligible after enter_after; renamed keys → ineligible at once; restart-safe and idempotent', async () => {
  const db = await testDatabase('evaluator_flow');
  const store = createEvaluatorStore({ sql: clientSql(db.client), database: db.database });
  const insert = async (records: ExchangeRecord[]) => {
    await db.client.insert({ table: `${db.database}.exchanges`, values: records.map((r) => toExchangeRow(r, config.workloads.support!.storage)), format: 'JSONEachRow' });
  };
  let now = Date.now();
  const clock = { now: () => now, monotonic: () => now };
  const publisher = new FeedPublisher(60_000);
  const make = () => createEvaluator({ config, store, publisher, alerts: undefined, clock, logger: pino({ level: 'silent' }) });
  const entryOf = (r: string) => publisher.current?.routes.find((e) => e.route === r);

  const pairs = (n: number, shadowContent: (i: number) => string) => {
    const out: ExchangeRecord[] = [];
    for (let i = 0; i < n; i++) {
      const p = record('primary', now - 60_000 + i, 'main', JSON.stringify({ answer, ticket: i }));
      out.push(p, record('shadow', now - 60_000 + i, 'backup', shadowContent(i), p.record_id));
      out.push(record('twin', now - 60_000 + i, 'main', JSON.stringify({ answer, ticket: i }), p.record_id));
    }
    return out;
  };

  const evaluator = make();
  await evaluator.restore();
  let run = await evaluator.runOnce();
  assert.deepEqual(run, { scored: 0, twins: 0, changes: 0 });
  assert.equal(entryOf('backup')?.eligible, false);
  assert.match(entryOf('backup')?.reasons.join('; ') ?? '', /cold: 0 samples in 1h < 20/);
  assert.match(entryOf('leaky')?.reasons.join('; ') ?? '', /not certified: region eu not in \[us\]/);
  assert.deepEqual(entryOf('main')?.role, 'primary');

  await insert(pairs(30, (i) => JSON.stringify({ answer, ticket: i })));
  run = await evaluator.runOnce();
  assert.equal(run.scored, 30);
  assert.equal(run.twins, 30);
  assert.equal(entryOf('backup')?.eligible, false, 'first passing evaluation: not yet (enter_after 2)');
  assert.match(entryOf('backup')?.reasons.join('; ') ?? '', /re-entering: 1 of 2/);
  now += 15_000;
  run = await evaluator.runOnce();
  assert.equal(run.scored, 0, 'the watermark keeps scored pairs from being read again');
  assert.equal(entryOf('backup')?.eligible, true);
  assert.equal((entryOf('backup')?.parity as { twins: number }).twins, 30);
  assert.ok(((entryOf('backup')?.parity as { noise_floor: number }).noise_floor ?? 0) > 0.5);

  // Drift: the secondary starts renaming the JSON key.
  await insert(pairs(30, (i) => JSON.stringify({ reply: answer, ticket: i })));
  now += 15_000;
  run = await evaluator.runOnce();
  assert.equal(entryOf('backup')?.eligible, false, 'leaves at once');
  assert.match(entryOf('backup')?.reasons.join('; ') ?? '', /json_keys failures/);
  const events = await rows<{ eligible: boolean; reasons: string[]; similarity_source: string }>(db, `SELECT eligible, reasons, similarity_source FROM ${db.database}.eligibility_events ORDER BY ts`);
  assert.deepEqual(events.map((e) => e.eligible), [true, false]);
  assert.deepEqual(events.map((e) => e.similarity_source), ['lexical', 'lexical'], 'each event names the measure its noise floor was in');
  const failing = await rows<{ n: string }>(db, `SELECT count() AS n FROM ${db.database}.parity_results FINAL WHERE has(failing, 'json_keys')`);
  assert.equal(Number(failing[0]?.n), 30);

  // A restarted evaluator resumes from the stored watermark and state.
  const restarted = make();
  await restarted.restore();
  run = await restarted.runOnce();
  assert.equal(run.scored, 0);
  assert.equal(entryOf('backup')?.eligible, false);

  // Re-scoring (watermark reset) replaces results, never duplicates them.
  await db.client.command({ query: `TRUNCATE TABLE ${db.database}.evaluator_state` });
  const rescoring = make();
  await rescoring.restore();
  run = await rescoring.runOnce();
  assert.equal(run.scored, 60);
  const total = await rows<{ n: string }>(db, `SELECT count() AS n FROM ${db.database}.parity_results FINAL WHERE kind = 'shadow'`);
  assert.equal(Number(total[0]?.n), 60);
});

test('without shadows to read, the watermark follows ClickHouse\'s clock; a held shadow keeps it back until its primary is stored', async () => {
  const db = await testDatabase('evaluator_horizon');
  const store = createEvaluatorStore({ sql: clientSql(db.client), database: db.database });
  const now = Date.now();
  const evaluator = createEvaluator({ config, store, publisher: new FeedPublisher(60_000), alerts: undefined, clock: { now: () => now, monotonic: () => now }, logger: pino({ level: 'silent' }) });
  const insert = (records: ExchangeRecord[], insertedAt?: string) =>
    db.client.insert({
      table: `${db.database}.exchanges`,
      values: records.map((r) => ({ ...toExchangeRow(r, config.workloads.support!.storage), ...(insertedAt === undefined ? {} : { inserted_at: insertedAt }) })),
      format: 'JSONEachRow',
    });
  const serverTime = async (sql: string) => (await rows<{ t: string }>(db, `SELECT toString(${sql}) AS t`))[0]?.t ?? '';
  const watermark = async () => (JSON.parse((await store.readState('watermark')) ?? '{}') as { insertedAt?: string }).insertedAt ?? '';

  // Primaries only (a workload before its shadow is turned on): nothing to score, and the
  // next run need not read them again.
  await insert(Array.from({ length: 5 }, (_, i) => record('primary', now - 5000 + i, 'main', answer)));
  assert.equal((await evaluator.runOnce()).scored, 0);
  const [low, high] = [await serverTime(`now64(3, 'UTC') - toIntervalSecond(70)`), await serverTime(`now64(3, 'UTC') - toIntervalSecond(50)`)];
  const moved = await watermark();
  assert.ok(moved >= low && moved <= high, `watermark ${moved} is ClickHouse's now − 60 s (${low} … ${high})`);

  // A shadow stored 5 minutes ago (a slow remote router's batch) whose primary is not
  // stored yet is held: the watermark stays before it, so it is read once its primary is in.
  const primary = record('primary', now - 2000, 'main', answer);
  const shadow = record('shadow', now - 2000, 'backup', answer, primary.record_id);
  await db.client.command({ query: `TRUNCATE TABLE ${db.database}.evaluator_state` });
  const restarted = createEvaluator({ config, store, publisher: new FeedPublisher(60_000), alerts: undefined, clock: { now: () => now, monotonic: () => now }, logger: pino({ level: 'silent' }) });
  await restarted.restore();
  await insert([shadow], await serverTime(`now64(3, 'UTC') - toIntervalMinute(5)`));
  assert.equal((await restarted.runOnce()).scored, 0, 'its primary is not stored yet');
  assert.ok((await watermark()) < (await serverTime(`now64(3, 'UTC') - toIntervalMinute(4)`)), 'the watermark did not pass the held shadow');
  await insert([primary]);
  assert.equal((await restarted.runOnce()).scored, 1, 'read once its primary is stored');
  // Shadows stored after a run are read by the next one.
  const later = record('primary', now - 1000, 'main', answer);
  await insert([later, record('shadow', now - 1000, 'backup', answer, later.record_id)]);
  assert.equal((await restarted.runOnce()).scored, 1);
});

test('with too few twins the fixed threshold applies and the verdict says so', async () => {
  const db = await testDatabase('evaluator_fixed');
  const store = createEvaluatorStore({ sql: clientSql(db.client), database: db.database });
  const now = Date.now();
  const p = record('primary', now - 1000, 'main', answer);
  const s = record('shadow', now - 1000, 'backup', answer.replace('five', 'seven'), p.record_id);
  await db.client.insert({ table: `${db.database}.exchanges`, values: [p, s].map((r) => toExchangeRow(r, config.workloads.support!.storage)), format: 'JSONEachRow' });
  const evaluator = createEvaluator({ config, store, publisher: new FeedPublisher(60_000), alerts: undefined, clock: { now: () => now, monotonic: () => now }, logger: pino({ level: 'silent' }) });
  await evaluator.runOnce();
  const [result] = await rows<{ floor_source: string; semantic_floor: number; check_details: string[]; check_names: string[] }>(
    db, `SELECT floor_source, semantic_floor, check_details, check_names FROM ${db.database}.parity_results FINAL`);
  assert.equal(result?.floor_source, 'fixed');
  assert.equal(result?.semantic_floor, 0.5);
  const semantic = result?.check_details[result.check_names.indexOf('semantic')] ?? '';
  assert.match(semantic, /fixed threshold 0\.5/);
});

test('the published feed validates against schemas/eligibility-feed.schema.json', async () => {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats.default(ajv);
  const validate = ajv.compile(eligibilityFeedSchema);
  const db = await testDatabase('evaluator_feed_schema');
  const publisher = new FeedPublisher(60_000);
  const now = Date.now();
  const evaluator = createEvaluator({ config, store: createEvaluatorStore({ sql: clientSql(db.client), database: db.database }), publisher, alerts: undefined, clock: { now: () => now, monotonic: () => now }, logger: pino({ level: 'silent' }) });
  const p = record('primary', now - 1000, 'main', answer);
  await db.client.insert({ table: `${db.database}.exchanges`, values: [p, record('shadow', now - 1000, 'backup', answer, p.record_id)].map((r) => toExchangeRow(r, config.workloads.support!.storage)), format: 'JSONEachRow' });
  await evaluator.runOnce();
  assert.ok(validate(publisher.current), JSON.stringify(validate.errors));
});

test('a shadow a spool replay stored twice is one candidate and one shadow call, without FINAL', async () => {
  const db = await testDatabase('evaluator_replayed');
  const store = createEvaluatorStore({ sql: clientSql(db.client), database: db.database });
  const insert = async (records: ExchangeRecord[]) => {
    await db.client.insert({ table: `${db.database}.exchanges`, values: records.map((r) => toExchangeRow(r, config.workloads.support!.storage)), format: 'JSONEachRow' });
  };
  // Until parts merge, both copies are there to be read: keep them unmerged.
  await db.client.command({ query: `SYSTEM STOP MERGES ${db.database}.exchanges` });
  const now = Date.now();
  const primary = record('primary', now - 5000, 'main', answer);
  const shadow = { ...record('shadow', now - 4000, 'backup', answer, primary.record_id), outcome: 'error' as const, error_class: 'server_error' as const };
  await insert([primary, shadow]);
  // The replay: the same rows again, in a later insert (a later inserted_at), parts not merged.
  await insert([primary, shadow]);
  const [stored] = await rows<{ n: string }>(db, `SELECT count() AS n FROM ${db.database}.exchanges`);
  assert.equal(Number(stored?.n), 4, 'both copies are in the table');

  const candidates = await store.candidates({ insertedAt: '1970-01-01 00:00:00.000', recordId: '' }, 100);
  assert.deepEqual(candidates.map((c) => [c.record_id, c.p_record_id]), [[shadow.record_id, primary.record_id]]);
  const health = await store.shadowHealth(now, { support: 3_600_000 });
  assert.deepEqual(health.map((h) => [h.route, Number(h.calls), Number(h.errors)]), [['backup', 1, 1]]);
  const latency = await store.primaryLatency(now, { support: 3_600_000 });
  assert.deepEqual(latency.map((l) => [l.workload, Number(l.latency_ms)]), [['support', 100]]);
});

test('a run reads its candidates page by page: all answered pairs up to max_pairs_per_run, the watermark held before a waiting orphan', async () => {
  const paged = parseConfig(stringify({ ...configSource, evaluator: { min_twins: 10, max_pairs_per_run: 1100 } }), 'paged.yaml');
  const db = await testDatabase('evaluator_paged');
  const store = createEvaluatorStore({ sql: clientSql(db.client), database: db.database });
  const insert = async (records: ExchangeRecord[]) => {
    await db.client.insert({ table: `${db.database}.exchanges`, values: records.map((r) => toExchangeRow(r, paged.workloads.support!.storage)), format: 'JSONEachRow' });
    // Each insert its own inserted_at (millisecond resolution): the candidates' order.
    await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const now = Date.now();
  const pairs = (n: number) => Array.from({ length: n }, () => {
    const p = record('primary', now - 60_000, 'main', answer);
    return [p, record('shadow', now - 60_000, 'backup', answer, p.record_id)];
  }).flat();
  // 600 pairs, a shadow whose primary is not stored yet (young: waited for), 600 pairs.
  await insert(pairs(600));
  await insert([record('shadow', now - 1000, 'backup', answer, randomUUID())]);
  await insert(pairs(600));
  const evaluator = createEvaluator({ config: paged, store, publisher: new FeedPublisher(60_000), alerts: undefined, clock: { now: () => now, monotonic: () => now }, logger: pino({ level: 'silent' }) });
  const scoredPairs = async () => Number((await rows<{ n: string }>(db, `SELECT count() AS n FROM ${db.database}.parity_results FINAL`))[0]?.n);

  // 1,100 candidates in pages of 500, 500 and 100: 600 pairs, the orphan, 499 pairs.
  const first = await evaluator.runOnce();
  assert.equal(first.scored, 1099);
  assert.equal(await scoredPairs(), 1099);
  // The next run starts at the orphan (the watermark stopped before it), not after the 1,100th.
  const second = await evaluator.runOnce();
  assert.equal(second.scored, 600);
  assert.equal(await scoredPairs(), 1200);
});
