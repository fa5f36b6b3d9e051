// The overview dashboard: where every (workload, route) stands, why, and what the shadow
// traffic, failovers and warmpath's own pipeline are doing. Links to the route detail.

import * as common from '@grafana/grafana-foundation-sdk/common';
import { DashboardBuilder, DashboardCursorSync } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { renderSql, type AlertLimits, type SqlConstants } from './constants.ts';
import { panelQueries, type PanelQueryName } from './queries.ts';
import { dashboardUrl, link, PanelIds, row, stat, stateTimeline, table, textColours, thresholds, timeSeries } from './panels.ts';
import type { PanelSpec } from './panels.ts';
import { datasourceVariable, dashboardUids, routeVariable, workloadVariable } from './variables.ts';

export function overviewDashboard(constants: SqlConstants, limits: AlertLimits): Dashboard {
  const ids = new PanelIds();
  const spec = (query: PanelQueryName, title: string, description: string, w: number, h: number): PanelSpec => ({
    title, description, w, h, sql: renderSql(panelQueries[query], constants),
  });
  const detail = dashboardUrl(dashboardUids.routeDetail, 'warmpath-route-detail', '&var-workload=${__data.fields.workload}&var-route=${__data.fields.route}');

  const matrix = table(spec('eligibilityMatrix', 'Eligibility: workload × route',
    'Where each configured route stands for each workload at the end of the time range. state: primary (serves the workload), ' +
    'eligible / ineligible (the newest change the evaluator recorded in eligibility_events, with its reasons), not yet eligible ' +
    '(no change recorded: the evaluator has never admitted it, e.g. still cold), not certified (the policy refuses it: no shadow, no failover). ' +
    'window_* are the scored shadow pairs in the workload\'s parity window ending at the range end; window_lower_bound is the Wilson ' +
    'lower bound (z = 1.96) the evaluator compares with min_pass_rate. Click a route for its detail.', 24, 9), ids)
    .overrideByName('state', [
      { id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorBackground } },
      { id: 'mappings', value: textColours({ eligible: 'green', ineligible: 'red', 'not yet eligible': 'orange', 'not certified': 'purple', primary: 'blue' }) },
    ])
    .overrideByName('route', [{ id: 'links', value: [{ title: 'Route detail: ${__data.fields.workload} → ${__data.fields.route}', url: detail }] }])
    .overrideByName('reasons', [{ id: 'custom.width', value: 520 }])
    .overrideByRegexp('^(window_pass_rate|window_lower_bound|min_pass_rate)$', [{ id: 'unit', value: 'percentunit' }, { id: 'decimals', value: 1 }])
    .overrideByName('newest_sample_age_s', [{ id: 'unit', value: 's' }]);

  const requests = timeSeries(spec('requestsByApi', 'Requests by client API and outcome',
    'Primary requests per interval, by workload, the API the client called (chat_completions and responses: OpenAI\'s; messages: ' +
    'Anthropic\'s) and outcome, whichever provider served them. Every API is routed, mirrored and scored alike; the split shows which ' +
    'clients a route change reaches. "api not recorded": rows stored before warmpath recorded it, or ingested from a gateway that does not say.', 24, 7), ids, 'short', 'stacked-bars');

  const passRate = timeSeries(spec('parityPassRate', 'Parity pass rate and lower bound per route',
    'Share of scored shadow pairs that passed every check, per interval, and the Wilson lower bound of that share; min_pass_rate is the ' +
    'workload\'s threshold. The evaluator decides on the whole parity window, so one bad interval is not yet a lost route.', 12, 8), ids, 'percentunit')
    .min(0).max(1)
    .overrideByRegexp('^min_pass_rate', [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }]);

  const similarity = timeSeries(spec('similarityVsNoise', 'Semantic similarity against the primary\'s own noise',
    'Mean similarity of each secondary\'s answers to the primary\'s (→ route), the primary against itself on noise twins (the run-to-run ' +
    'variation), and the noise floor the evaluator judged secondaries against. A secondary is only as different as the primary is from itself ' +
    'when its line sits with the twins\'. Series in embeddings cosine (workloads with parity.embeddings) are marked "(embeddings)": the two ' +
    'measures are different scales and never averaged together.', 12, 8), ids, 'percentunit').min(0).max(1);

  const failures = timeSeries(spec('failuresByCheck', 'Parity failures by check',
    'Failed checks of scored shadow pairs, stacked by route and check (json, schema, json_keys, tool_calls, finish_reason, refusal, length, ' +
    'latency, ttft, semantic). A pair failing two checks counts in both.', 24, 8), ids, 'short', 'stacked-bars');

  const shadowCalls = timeSeries(spec('shadowCalls', 'Shadow and twin calls by outcome',
    'Shadow calls (to secondaries) and noise twins (to the primary again) that were made, by route and outcome. Drops are not in ClickHouse: ' +
    'samples dropped for a full queue or the budget are the Prometheus counters warmpath_shadow_dropped_total{reason} and ' +
    'warmpath_shadow_skipped_total on /metrics; here they show as the effective sample rate (next panel) falling below the configured one.', 8, 8), ids, 'short', 'stacked-bars');

  const sampleRate = timeSeries(spec('shadowSampleRate', 'Effective shadow sample rate',
    'Shadow calls per served primary request (not failed over), per target route, against the workload\'s sample_rate. Lower than configured: ' +
    'drops (queue full), the budget halving the rate at 80% or stopping shadow at 95%, or the route not certified.', 8, 8), ids, 'percentunit')
    .min(0)
    .overrideByRegexp('^configured_rate', [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }]);

  const spend = table(spec('spendVsBudget', 'Shadow spend today vs daily budget',
    `Cost of shadow and twin calls since 00:00 UTC of the range end (the router's budget day) against shadow.daily_budget_usd from the config ` +
    `(0 = no cap). The router halves sampling at ${limits.budgetHalved * 100}% and stops shadow at ${limits.budgetStopped * 100}%; the live ` +
    'figure is warmpath_shadow_spend_usd on /metrics.', 8, 8), ids)
    .overrideByRegexp('_usd$', [{ id: 'unit', value: 'currencyUSD' }])
    .overrideByName('budget_used', [
      { id: 'unit', value: 'percentunit' },
      { id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.Gauge, mode: common.BarGaugeDisplayMode.Basic } },
      { id: 'min', value: 0 }, { id: 'max', value: 1 },
      { id: 'thresholds', value: thresholds('green', [[limits.budgetHalved, 'orange'], [limits.budgetStopped, 'red']]).build() },
    ]);

  const latency = timeSeries(spec('latency', 'Latency p50 / p95: primary vs each secondary',
    'Total latency of answered calls: primary requests by the route that served them, shadow calls by secondary. Shadow calls carry the same ' +
    'prompts, so the lines compare like with like.', 12, 8), ids, 'ms');

  const ttft = timeSeries(spec('ttft', 'Time to first token p50 / p95',
    'Streams only (ttft_ms is recorded for streamed requests and their shadows).', 12, 8), ids, 'ms');

  const failovers = timeSeries(spec('failovers', 'Failovers: from → to',
    'Primary requests answered by a secondary (fallback = 1), by the route tried first and the route that answered.', 8, 8), ids, 'short', 'stacked-bars');

  const failoverRate = table(spec('failoverRate', 'Failover rate vs normal',
    'Share of primary requests that failed over in the last 15 minutes (recent_rate) against the 24 hours before (baseline_rate). ' +
    'excess > 0 means above normal (3× the baseline, at least 1%); the alert needs at least 10 recent requests.', 8, 8), ids)
    .overrideByRegexp('_rate$|^excess$', [{ id: 'unit', value: 'percentunit' }]);

  const breakers = stateTimeline(spec('breakerOpen', 'Circuit breakers (from recorded attempts)',
    'Derived from exchange records: open = at least one request in the interval skipped the route because its breaker was open ' +
    '(attempt error class breaker_open); closed = the route was tried normally; empty = no attempts. A half-open probe looks like a normal ' +
    'attempt. With several routers this is any router\'s breaker. The live state is warmpath_breaker_state on each router\'s /metrics.', 8, 8), ids,
  { 0: ['closed', 'green'], 1: ['open', 'red'] });

  const recentFailovers = table(spec('recentFailovers', 'Recent failovers',
    'The newest 100 failed-over requests: every route tried in order with its error class.', 24, 8), ids);

  const evaluator = stat(spec('evaluatorAge', 'Evaluator last seen',
    'Seconds since the evaluator last wrote its state or a verdict, at the end of the range. The eligibility feed is only as fresh as this: ' +
    `the alert fires above ${limits.evaluatorStaleS} s. Until the evaluator writes a heartbeat every run, an idle system (no shadow traffic) ` +
    'also looks stale here. A router\'s own view of the feed is in its metrics.', 6, 6), ids, 's')
    .thresholds(thresholds('green', [[limits.evaluatorStaleS, 'red']]));

  const ingestion = table(spec('ingestionLag', 'Collector ingestion lag (last 10 min)',
    'Seconds from the end of each primary request to its row in ClickHouse, for rows inserted in the last 10 minutes. The disk spool ' +
    'itself is a Prometheus gauge (warmpath_collector_spool_bytes); ClickHouse sees it as lag when the spool replays late rows. While ' +
    `ClickHouse is unreachable nothing arrives, and the alert errors instead. Alert above ${limits.ingestionLagS} s p95.`, 18, 6), ids)
    .overrideByRegexp('_s$', [{ id: 'unit', value: 's' }]);

  return new DashboardBuilder('warmpath: overview')
    .uid(dashboardUids.overview)
    .description('Eligibility, parity, shadow traffic, failovers and pipeline health of warmpath. Generated by `warmpath dashboards`; edits are overwritten.')
    .tags(['warmpath', 'generated'])
    .time({ from: 'now-6h', to: 'now' })
    .timezone('utc')
    .refresh('1m')
    .tooltip(DashboardCursorSync.Crosshair)
    .withVariable(datasourceVariable())
    .withVariable(workloadVariable(constants, true))
    .withVariable(routeVariable(constants, true))
    .link(link('Route detail', dashboardUrl(dashboardUids.routeDetail, 'warmpath-route-detail', '')).includeVars(false))
    .withRow(row('Eligibility', ids)).withPanel(matrix)
    .withRow(row('Traffic', ids)).withPanel(requests)
    .withRow(row('Parity', ids)).withPanel(passRate).withPanel(similarity).withPanel(failures)
    .withRow(row('Shadow traffic and spend', ids)).withPanel(shadowCalls).withPanel(sampleRate).withPanel(spend)
    .withRow(row('Latency', ids)).withPanel(latency).withPanel(ttft)
    .withRow(row('Failover', ids)).withPanel(failovers).withPanel(failoverRate).withPanel(breakers).withPanel(recentFailovers)
    .withRow(row('warmpath pipeline', ids)).withPanel(evaluator).withPanel(ingestion)
    .build();
}
