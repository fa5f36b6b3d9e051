// The dashboards tell the truth: traffic through the real router, collector and evaluator
// (a secondary drifts, a primary fails over, a budget runs out), then every panel, variable
// and alert query of the generated dashboards and rules is expanded the way Grafana and the
// ClickHouse plugin do for a fixed time range and run on the embedded engine. Each answer
// must have the expected columns and say what happened.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { alertLimits, buildArtifacts, expandAlertQuery, expandDashboardQuery, type Artifacts, type TimeRange, type Variables } from '../dashboards/index.ts';
import { wilsonLowerBound } from '../evaluator/index.ts';
import { database, runScenario, type Scenario } from './helpers/dashboards-scenario.ts';

type Row = Record<string, unknown>;
interface Answer { readonly columns: string[]; readonly rows: Row[] }

const minute = 60_000;
let scenario: Scenario;
let artifacts: Artifacts;
let range: TimeRange;

before(async () => {
  scenario = await runScenario();
  artifacts = buildArtifacts(scenario.config);
  range = { fromMs: scenario.startMs - 5 * minute, toMs: Math.max(Date.now(), scenario.endMs) + 1000, intervalMs: minute };
});

async function run(sql: string): Promise<Answer> {
  assert.doesNotMatch(sql, /\$__|\$\{|\$\w|\{\{/, 'every macro, variable and constant is expanded');
  const result = await scenario.store.client.query({ query: sql, format: 'JSON' });
  const body = (await result.json()) as { meta: { name: string }[]; data: Row[] };
  return { columns: body.meta.map((m) => m.name), rows: body.data };
}

const dashboard = (uid: string): Dashboard => artifacts.dashboards.find((d) => d.uid === uid) as Dashboard;
function targets(d: Dashboard): Map<string, string> {
  const out = new Map<string, string>();
  for (const panel of d.panels ?? []) {
    if (!('targets' in panel)) continue;
    for (const t of panel.targets ?? []) out.set(panel.title as string, (t as unknown as { rawSql: string }).rawSql);
  }
  return out;
}
const variableSql = (d: Dashboard, name: string): string => d.templating.list?.find((v) => v.name === name)?.query as string;
const num = (v: unknown): number => Number(v);
const sum = (rows: Row[], column: string, where: (r: Row) => boolean = () => true): number => rows.filter(where).reduce((a, r) => a + num(r[column]), 0);
const byKey = (rows: Row[]) => new Map(rows.map((r) => [`${String(r.workload)}/${String(r.route)}`, r]));

const overviewColumns: Record<string, string[]> = {
  'Eligibility: workload × route': ['workload', 'route', 'role', 'state', 'since', 'reasons', 'window_samples', 'window_pass_rate', 'window_lower_bound', 'min_pass_rate', 'newest_sample_age_s'],
  'Requests by client API and outcome': ['time', 'requests', 'n'],
  'Parity pass rate and lower bound per route': ['time', 'target', 'pass_rate', 'lower_bound', 'min_pass_rate'],
  "Semantic similarity against the primary's own noise": ['time', 'series', 'similarity'],
  'Parity failures by check': ['time', 'failure', 'failures'],
  'Shadow and twin calls by outcome': ['time', 'calls', 'n'],
  'Effective shadow sample rate': ['time', 'target', 'effective_rate', 'configured_rate'],
  'Shadow spend today vs daily budget': ['workload', 'spent_today_usd', 'budget_usd', 'budget_used'],
  'Latency p50 / p95: primary vs each secondary': ['time', 'series', 'p50_ms', 'p95_ms'],
  'Time to first token p50 / p95': ['time', 'series', 'p50_ms', 'p95_ms'],
  'Failovers: from → to': ['time', 'failover', 'n'],
  'Failover rate vs normal': ['workload', 'route', 'recent_requests', 'recent_rate', 'baseline_rate', 'excess'],
  'Circuit breakers (from recorded attempts)': ['time', 'breaker_route', 'open'],
  'Recent failovers': ['ts', 'workload', 'from_route', 'served_by', 'attempts', 'error_classes', 'status', 'request_id'],
  'Evaluator last seen': ['workload', 'route', 'evaluator_age_s'],
  'Collector ingestion lag (last 10 min)': ['workload', 'route', 'rows_inserted', 'lag_p95_s', 'lag_max_s'],
};
const detailColumns: Record<string, string[]> = {
  'Parity pass rate and lower bound': ['time', 'target', 'pass_rate', 'lower_bound', 'min_pass_rate'],
  'Failures by check': ['time', 'failure', 'failures'],
  'Recent failing pairs': ['ts', 'failing_checks', 'why', 'similarity', 'floor', 'diff', 'pair_id'],
  'Similarity distribution: route vs noise twins': ['similarity_bucket', 'shadow_pairs', 'noise_twins'],
  'Pass rate by check': ['check_name', 'pass_rate', 'pairs'],
  'Eligibility over time': ['time', 'target', 'eligible'],
  'Eligibility changes (drift events)': ['ts', 'workload', 'route', 'change', 'reasons', 'samples', 'pass_rate', 'lower_bound', 'noise_floor', 'measure', 'failing_checks'],
};

/** Runs every panel query of a dashboard with these variables, checking its columns. */
async function runPanels(d: Dashboard, variables: Variables, expected: Record<string, string[]>, at: TimeRange = range): Promise<Map<string, Row[]>> {
  const answers = new Map<string, Row[]>();
  const all = targets(d);
  assert.deepEqual([...all.keys()].sort(), Object.keys(expected).sort(), 'every panel has its expected columns listed');
  for (const [title, sql] of all) {
    const answer = await run(expandDashboardQuery(sql, variables, at));
    assert.deepEqual(answer.columns, expected[title], title);
    answers.set(title, answer.rows);
  }
  return answers;
}

async function variableOptions(d: Dashboard, name: string, variables: Variables): Promise<string[]> {
  const answer = await run(expandDashboardQuery(variableSql(d, name), variables, range));
  assert.equal(answer.columns.length, 1, `${name}: one column`);
  return answer.rows.map((r) => String(Object.values(r)[0]));
}

describe('overview dashboard', () => {
  test('variables: workloads and routes from the config and the data; route follows the workload', async () => {
    const d = dashboard('warmpath-overview');
    const workloads = await variableOptions(d, 'workload', {});
    assert.deepEqual(workloads, ['archive', 'billing', 'digest', 'support']);
    assert.deepEqual(await variableOptions(d, 'route', { workload: { all: true, options: workloads } }), ['drifty', 'flaky', 'leaky', 'main', 'pricey', 'steady']);
    assert.deepEqual(await variableOptions(d, 'route', { workload: { all: false, values: ['billing', 'digest'] } }), ['flaky', 'pricey', 'steady']);
  });

  test('with All: every panel says what happened', async () => {
    const d = dashboard('warmpath-overview');
    const workloads = await variableOptions(d, 'workload', {});
    const routes = await variableOptions(d, 'route', { workload: { all: true, options: workloads } });
    const p = await runPanels(d, { workload: { all: true, options: workloads }, route: { all: true, options: routes } }, overviewColumns);

    const matrix = byKey(p.get('Eligibility: workload × route') ?? []);
    const state = (key: string) => matrix.get(key)?.state;
    assert.deepEqual(
      [...matrix.keys()].sort().map((k) => `${k}=${String(state(k))}`),
      ['archive/main=primary', 'archive/steady=not yet eligible', 'billing/flaky=primary', 'billing/steady=eligible', 'digest/pricey=primary',
        'support/drifty=ineligible', 'support/leaky=not certified', 'support/main=primary', 'support/steady=eligible'],
    );
    // Ground truth straight from the evaluator's verdicts.
    const [truth] = (await run(`SELECT count() AS n, countIf(pass) AS passes, countIf(has(failing, 'json_keys')) AS json_keys,
      countIf(has(failing, 'json_keys') AND ts < fromUnixTimestamp64Milli(${scenario.driftAtMs})) AS early
      FROM ${database}.parity_results FINAL WHERE kind = 'shadow' AND workload = 'support' AND route = 'drifty'`)).rows as [Row];
    assert.deepEqual([num(truth.n), num(truth.json_keys), num(truth.early)], [80, 40, 0], 'drifty: every pair after the drift, none before, fails json_keys');
    const drifty = matrix.get('support/drifty') as Row;
    assert.match(String(drifty.reasons), /json_keys failures 50\.0% > limit 2\.0%/);
    assert.equal(num(drifty.window_samples), 80);
    assert.ok(Math.abs(num(drifty.window_lower_bound) - wilsonLowerBound(num(truth.passes), 80)) < 1e-9, 'the same Wilson bound as the evaluator');
    assert.match(String(matrix.get('support/leaky')?.reasons), /not certified: retention 90d > max 30d/);
    assert.equal(num(matrix.get('archive/steady')?.window_samples), 0);

    const requests = p.get('Requests by client API and outcome') ?? [];
    const primaries = scenario.records.filter((r) => r.kind === 'primary');
    const requestSeries = [...new Set(primaries.map((r) => `${r.workload}: ${r.api} (${r.outcome})`))].sort();
    assert.deepEqual([...new Set(requests.map((r) => String(r.requests)))].sort(), requestSeries);
    for (const name of requestSeries) assert.equal(sum(requests, 'n', (r) => r.requests === name), primaries.filter((r) => `${r.workload}: ${r.api} (${r.outcome})` === name).length, name);
    assert.equal(sum(requests, 'n', (r) => r.requests === 'digest: responses (ok)'), 15, 'digest: every request but the streamed ones through the Responses API');

    const passRate = (p.get('Parity pass rate and lower bound per route') ?? []).filter((r) => r.target === 'support → drifty');
    const at = (r: Row) => Date.parse(`${String(r.time).replace(' ', 'T')}Z`);
    assert.ok(passRate.some((r) => at(r) < scenario.driftAtMs) && passRate.filter((r) => at(r) > scenario.driftAtMs).every((r) => num(r.pass_rate) === 0), 'after the drift drifty fails every pair');

    const failures = p.get('Parity failures by check') ?? [];
    assert.equal(sum(failures, 'failures', (r) => r.failure === 'drifty: json_keys'), 40, 'every drifted pair fails json_keys');
    assert.ok(failures.filter((r) => r.failure === 'drifty: json_keys').every((r) => at(r) >= Math.floor(scenario.driftAtMs / minute) * minute), 'and only after the drift');
    const steadyFailures = failures.filter((r) => String(r.failure).startsWith('steady:'));
    assert.ok(steadyFailures.every((r) => r.failure === 'steady: semantic'), 'steady keeps the JSON shape');
    assert.ok(sum(steadyFailures, 'failures') <= 5, 'steady differs semantically no more than run-to-run noise allows');

    const similarity = p.get("Semantic similarity against the primary's own noise") ?? [];
    const series = new Set(similarity.map((r) => r.series));
    for (const s of ['support → steady', 'support → drifty', 'support: noise floor', 'support: primary vs itself']) assert.ok(series.has(s), s);
    // Billing's pairs are scored in embeddings cosine: their own series, never averaged with the other measure.
    for (const s of ['billing → steady (embeddings)', 'billing: primary vs itself (embeddings)']) assert.ok(series.has(s), `${s} in ${[...series].join(', ')}`);
    assert.ok(![...series].some((s) => String(s).startsWith('billing') && !String(s).endsWith('(embeddings)')), 'no billing series in the lexical measure');

    const calls = p.get('Shadow and twin calls by outcome') ?? [];
    const recorded = (kind: string, route: string) => scenario.records.filter((r) => r.kind === kind && r.route === route).length;
    assert.equal(sum(calls, 'n', (r) => r.calls === 'shadow → drifty: ok'), recorded('shadow', 'drifty'));
    assert.equal(sum(calls, 'n', (r) => r.calls === 'twin → main: ok'), recorded('twin', 'main'));
    assert.ok((p.get('Effective shadow sample rate') ?? []).filter((r) => r.target === 'support → steady').every((r) => num(r.effective_rate) === 1 && num(r.configured_rate) === 1));

    const spend = new Map((p.get('Shadow spend today vs daily budget') ?? []).map((r) => [r.workload, r]));
    const digestSpend = scenario.records.filter((r) => r.workload === 'digest' && r.kind !== 'primary').reduce((a, r) => a + r.cost_usd, 0);
    assert.ok(Math.abs(num(spend.get('digest')?.spent_today_usd) - digestSpend) < 1e-9);
    assert.ok(num(spend.get('digest')?.budget_used) >= 0.95, 'the digest budget ran out');
    assert.ok(num(spend.get('support')?.budget_used) < 0.8);
    assert.equal(num(spend.get('archive')?.spent_today_usd), 0);

    const latencySeries = new Set((p.get('Latency p50 / p95: primary vs each secondary') ?? []).map((r) => r.series));
    for (const s of ['primary main', 'primary steady', 'shadow steady', 'shadow drifty']) assert.ok(latencySeries.has(s), s);
    assert.ok((p.get('Time to first token p50 / p95') ?? []).some((r) => r.series === 'shadow drifty' && num(r.p50_ms) >= 0), 'streams have a TTFT');

    assert.equal(sum(p.get('Failovers: from → to') ?? [], 'n', (r) => r.failover === 'billing: flaky → steady'), 12);
    const recent = p.get('Recent failovers') ?? [];
    assert.equal(recent.length, 12);
    assert.ok(recent.every((r) => r.from_route === 'flaky' && r.served_by === 'steady'));
    assert.equal(recent.filter((r) => String(r.error_classes).startsWith('breaker_open')).length, 10, 'the breaker opened after 2 failures');
    const rate = byKey(p.get('Failover rate vs normal') ?? []);
    assert.ok(num(rate.get('billing/flaky')?.excess) > 0 && num(rate.get('support/main')?.excess) < 0);
    const breaker = p.get('Circuit breakers (from recorded attempts)') ?? [];
    assert.ok(breaker.some((r) => r.breaker_route === 'flaky' && num(r.open) === 1) && breaker.every((r) => r.breaker_route !== 'main' || num(r.open) === 0));

    assert.ok(num(p.get('Evaluator last seen')?.[0]?.evaluator_age_s) < 60, 'the evaluator ran moments ago');
    const lag = new Map((p.get('Collector ingestion lag (last 10 min)') ?? []).map((r) => [r.workload, num(r.lag_p95_s)]));
    assert.ok((lag.get('support') ?? 0) > 60, 'support rows were stamped minutes before they reached ClickHouse');
    assert.ok((lag.get('digest') ?? Infinity) < 30, 'digest rows arrived at once');
  });

  test('multi-value variables keep only the chosen workloads and routes', async () => {
    const p = await runPanels(dashboard('warmpath-overview'), { workload: { all: false, values: ['support', 'billing'] }, route: { all: false, values: ['steady', 'drifty'] } }, overviewColumns);
    assert.deepEqual([...byKey(p.get('Eligibility: workload × route') ?? []).keys()].sort(), ['billing/steady', 'support/drifty', 'support/steady']);
    assert.deepEqual([...new Set((p.get('Shadow spend today vs daily budget') ?? []).map((r) => r.workload))].sort(), ['billing', 'support']);
    assert.equal(sum(p.get('Failovers: from → to') ?? [], 'n'), 12, 'failovers that touched steady');
  });
});

describe('route detail dashboard', () => {
  const detail = { workload: { all: false, values: ['support'] }, route: { all: false, values: ['drifty'] } } as const;

  test('the drifting route: failing pairs by check with a diff, scores against the noise, the drift event', async () => {
    const p = await runPanels(dashboard('warmpath-route-detail'), detail, detailColumns);
    const failing = (p.get('Recent failing pairs') ?? []).filter((r) => String(r.failing_checks).includes('json_keys'));
    assert.equal(failing.length, 40);
    for (const r of failing) {
      assert.match(String(r.why), /answer/);
      assert.match(String(r.why), /reply/);
      assert.match(String(r.diff), /^@\d+ primary «.*» shadow «.*»$/s);
    }
    const histogram = p.get('Similarity distribution: route vs noise twins') ?? [];
    assert.equal(sum(histogram, 'shadow_pairs'), 80);
    assert.equal(sum(histogram, 'noise_twins'), scenario.records.filter((r) => r.kind === 'twin' && r.workload === 'support').length);
    const checks = new Map((p.get('Pass rate by check') ?? []).map((r) => [r.check_name, r]));
    assert.equal(num(checks.get('json_keys')?.pass_rate), 0.5);
    assert.equal(num(checks.get('json')?.pass_rate), 1);
    assert.deepEqual((p.get('Eligibility over time') ?? []).map((r) => num(r.eligible)), [1, 0]);
    const events = p.get('Eligibility changes (drift events)') ?? [];
    assert.deepEqual(events.map((r) => r.change), ['lost eligibility', 'became eligible']);
    assert.match(String(events[0]?.reasons), /json_keys/);
    assert.deepEqual(events.map((r) => r.measure), ['lexical', 'lexical']);
  });

  test('a workload scored in embeddings: its similarity buckets say so', async () => {
    const p = await runPanels(dashboard('warmpath-route-detail'), { workload: { all: false, values: ['billing'] }, route: { all: false, values: ['steady'] } }, detailColumns);
    const histogram = p.get('Similarity distribution: route vs noise twins') ?? [];
    assert.ok(histogram.length > 0 && histogram.every((r) => String(r.similarity_bucket).startsWith('embeddings ')), JSON.stringify(histogram.map((r) => r.similarity_bucket)));
    assert.equal(sum(histogram, 'noise_twins'), scenario.records.filter((r) => r.kind === 'twin' && r.workload === 'billing').length);
    const events = p.get('Eligibility changes (drift events)') ?? [];
    assert.deepEqual(events.map((r) => [r.change, r.measure]), [['became eligible', 'embeddings']], 'the event names the measure its noise floor was in');
  });

  test('a range starting after the route was admitted opens with that state', async () => {
    const later = { ...range, fromMs: scenario.startMs + 15 * minute };
    const p = await runPanels(dashboard('warmpath-route-detail'), detail, detailColumns, later);
    const timeline = p.get('Eligibility over time') ?? [];
    assert.deepEqual(timeline.map((r) => num(r.eligible)), [1, 0]);
    assert.equal(Date.parse(`${String(timeline[0]?.time).replace(' ', 'T')}Z`), Math.floor(later.fromMs / 1000) * 1000);
  });
});

describe('alert rules', () => {
  /** Grafana's evaluation: A's rows (string columns = labels), Reduce last (dropNN), Threshold. */
  async function firing(at: number): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const rule of artifacts.ruleGroup.rules ?? []) {
      const a = rule.data.find((q) => q.refId === 'A')?.model as unknown as { rawSql: string; intervalMs: number };
      const c = rule.data.find((q) => q.refId === 'C')?.model as unknown as { conditions: { evaluator: { type: string; params: number[] } }[] };
      const from = rule.data[0]?.relativeTimeRange?.from ?? 0;
      const answer = await run(expandAlertQuery(a.rawSql, { fromMs: at - from * 1000, toMs: at, intervalMs: a.intervalMs }));
      assert.deepEqual(answer.columns.slice(0, 2), ['workload', 'route'], `${rule.title}: labels`);
      assert.equal(answer.columns.length, 3, `${rule.title}: one value`);
      const { type, params } = c.conditions[0]?.evaluator as { type: string; params: number[] };
      const fires = answer.rows.filter((r) => {
        const value = r[answer.columns[2] as string];
        if (value === null || Number.isNaN(num(value))) return false;
        return type === 'gt' ? num(value) > (params[0] as number) : num(value) < (params[0] as number);
      });
      out.set(rule.uid as string, fires.map((r) => `${String(r.workload)}/${String(r.route)}`).sort());
    }
    return out;
  }

  test('at the end of the day: the drifted route, the spent budget, the late rows and the failovers fire', async () => {
    assert.deepEqual(Object.fromEntries(await firing(range.toMs)), {
      'warmpath-route-lost-eligibility': ['support/drifty'],
      'warmpath-parity-early-warning': ['support/drifty'],
      'warmpath-route-cold': ['archive/steady'],
      'warmpath-shadow-budget-80': ['digest/*'],
      'warmpath-shadow-budget-95': ['digest/*'],
      'warmpath-eligibility-feed-stale': [],
      'warmpath-collector-ingestion-lag': ['billing/*', 'support/*'],
      'warmpath-failover-rate': ['billing/flaky'],
    });
  });

  test('with no traffic and no evaluator afterwards: routes go cold, then the feed goes stale', async () => {
    const cold = await firing(range.toMs + 20 * minute);
    assert.deepEqual(cold.get('warmpath-route-cold'), ['archive/steady', 'billing/steady', 'support/drifty', 'support/steady']);
    assert.deepEqual(cold.get('warmpath-eligibility-feed-stale'), []);
    const stale = await firing(range.toMs + (alertLimits(scenario.config).evaluatorStaleS + 60) * 1000);
    assert.deepEqual(stale.get('warmpath-eligibility-feed-stale'), ['*/*']);
    assert.deepEqual(stale.get('warmpath-collector-ingestion-lag'), [], 'nothing inserted lately: no lag to report');
  });
});
