// Grafana-managed alert rules over the same SQL as the overview's panels: query A (ClickHouse,
// one row per workload/route: the string columns become the alert's labels), B = Reduce(A,
// last), C = Threshold(B), condition C. Built in the HTTP provisioning API shape
// (PUT /api/v1/provisioning/folder/{uid}/rule-groups/{group}); fileProvisioning() wraps the
// same rules in the `apiVersion: 1` file shape.

import { QueryBuilder, RuleBuilder, RuleGroupBuilder } from '@grafana/grafana-foundation-sdk/alerting';
import type { Rule, RuleGroup } from '@grafana/grafana-foundation-sdk/alerting';
import { TypeReduceBuilder, TypeThresholdBuilder } from '@grafana/grafana-foundation-sdk/expr';
import { ClickHouseQueryBuilder, clickhousePluginId, formats } from './clickhouse-query.ts';
import { renderSql, type AlertLimits, type SqlConstants } from './constants.ts';
import { alertQueries, type AlertQueryName } from './queries.ts';

export interface AlertTarget {
  /** uid of the ClickHouse datasource in Grafana: alert rules cannot use the dashboard variable. */
  readonly datasourceUid: string;
  readonly folderUid: string;
  readonly folderTitle: string;
  readonly ruleGroup: string;
}

export type ThresholdType = 'gt' | 'lt';

export interface AlertSpec {
  readonly uid: string;
  readonly title: string;
  readonly query: AlertQueryName;
  readonly threshold: { readonly type: ThresholdType; readonly value: number };
  readonly for: string;
  readonly severity: 'warning' | 'critical';
  readonly noData: 'OK' | 'Alerting' | 'NoData';
  readonly summary: string;
  readonly description: string;
  /** Title of the overview panel showing the same figures. */
  readonly panel: string;
}

export const orgId = 1;
export const evaluationIntervalS = 60;
/** Explicit: Grafana's default of 1000 ms would make `$__interval_s` 1. */
export const alertIntervalMs = 60_000;
const relativeTimeRange = { from: 600, to: 0 };
const expressionDatasource = { type: '__expr__', uid: '__expr__' };

const where = '{{ $labels.route }} for workload {{ $labels.workload }}';
const value = '{{ printf "%.3g" $values.B.Value }}';

export function alertSpecs(limits: AlertLimits): AlertSpec[] {
  const pct = (x: number): string => `${Math.round(x * 100)}%`;
  const budget = (share: number, severity: AlertSpec['severity'], effect: string): AlertSpec => ({
    uid: `warmpath-shadow-budget-${Math.round(share * 100)}`, title: `warmpath: shadow budget above ${pct(share)}`, query: 'budgetUsed',
    threshold: { type: 'gt', value: share }, for: '0s', severity, noData: 'OK', panel: 'Shadow spend today vs daily budget',
    summary: `Workload {{ $labels.workload }} has spent ${value} of its daily shadow budget`,
    description: `Shadow and twin spend since 00:00 UTC is above ${pct(share)} of shadow.daily_budget_usd: ${effect}`,
  });
  return [
    {
      uid: 'warmpath-route-lost-eligibility', title: 'warmpath: route lost eligibility', query: 'lostEligibility',
      threshold: { type: 'lt', value: 1 }, for: '0s', severity: 'critical', noData: 'OK', panel: 'Eligibility: workload × route',
      summary: `${where} lost eligibility: failover will not use it`,
      description: 'The evaluator recorded that the route no longer holds certified ∧ warm ∧ parity ∧ healthy. The reasons are in the eligibility matrix and the route detail dashboard.',
    },
    {
      uid: 'warmpath-parity-early-warning', title: 'warmpath: parity falling toward the threshold', query: 'parityHeadroom',
      threshold: { type: 'lt', value: limits.parityHeadroom }, for: '5m', severity: 'warning', noData: 'OK', panel: 'Eligibility: workload × route',
      summary: `Parity lower bound of ${where} is ${value} from min_pass_rate`,
      description: `The Wilson lower bound of the pass rate over the parity window is within ${pct(limits.parityHeadroom)} of min_pass_rate (negative: already below). Routes with fewer than min_samples pairs are left to the cold alert.`,
    },
    {
      uid: 'warmpath-route-cold', title: 'warmpath: route going cold', query: 'routeCold',
      threshold: { type: 'gt', value: 1 }, for: '2m', severity: 'warning', noData: 'OK', panel: 'Eligibility: workload × route',
      summary: `${where} has no scored shadow sample within warm_within (age ${value}× warm_within)`,
      description: 'A certified secondary whose newest scored shadow pair is older than parity.warm_within (or that has none in the window) cannot stay eligible. Check sample_rate, the shadow budget and drops (warmpath_shadow_dropped_total).',
    },
    budget(limits.budgetHalved, 'warning', 'the router has halved the sample rate.'),
    budget(limits.budgetStopped, 'critical', 'the router has stopped shadow traffic until the next UTC day; routes will go cold.'),
    {
      uid: 'warmpath-eligibility-feed-stale', title: 'warmpath: eligibility feed stale', query: 'evaluatorAge',
      threshold: { type: 'gt', value: limits.evaluatorStaleS }, for: '1m', severity: 'critical', noData: 'Alerting', panel: 'Evaluator last seen',
      summary: `The evaluator has not been seen for ${value} s`,
      description: `Nothing from the evaluator (state write or verdict) for more than ${limits.evaluatorStaleS} s: the eligibility feed is not being renewed and routers will narrow failover to nothing once it expires.`,
    },
    {
      uid: 'warmpath-collector-ingestion-lag', title: 'warmpath: collector spool growing (ingestion lag)', query: 'ingestionLag',
      threshold: { type: 'gt', value: limits.ingestionLagS }, for: '5m', severity: 'warning', noData: 'OK', panel: 'Collector ingestion lag (last 10 min)',
      summary: `Rows of workload {{ $labels.workload }} reach ClickHouse ${value} s late (p95)`,
      description: 'Exchange rows arrive late: the collector is spooling to disk and replaying, or its queue is backed up. ClickHouse cannot see the spool itself (warmpath_collector_spool_bytes on /metrics); while ClickHouse is unreachable this rule errors instead.',
    },
    {
      uid: 'warmpath-failover-rate', title: 'warmpath: failover rate above normal', query: 'failoverExcess',
      threshold: { type: 'gt', value: 0 }, for: '5m', severity: 'warning', noData: 'OK', panel: 'Failover rate vs normal',
      summary: `Workload {{ $labels.workload }} fails over from {{ $labels.route }} ${value} above normal`,
      description: 'The share of primary requests answered by a secondary in the last 15 minutes exceeds 3× the previous 24 hours (at least 1%), with at least 10 requests.',
    },
  ];
}

function rule(spec: AlertSpec, sql: string, target: AlertTarget, dashboardUid: string, panelId: number | undefined): RuleBuilder {
  const clickhouse = { type: clickhousePluginId, uid: target.datasourceUid };
  const a = new QueryBuilder('A').datasourceUid(target.datasourceUid).queryType('').relativeTimeRange(relativeTimeRange).model(
    new ClickHouseQueryBuilder(sql).refId('A').format(formats.table).datasource(clickhouse).intervalMs(alertIntervalMs).maxDataPoints(43_200),
  );
  const b = new QueryBuilder('B').datasourceUid(expressionDatasource.uid).queryType('').relativeTimeRange(relativeTimeRange).model(
    new TypeReduceBuilder().refId('B').datasource(expressionDatasource).expression('A').reducer('last').settings({ mode: 'dropNN' }).intervalMs(alertIntervalMs).maxDataPoints(43_200),
  );
  const c = new QueryBuilder('C').datasourceUid(expressionDatasource.uid).queryType('').relativeTimeRange(relativeTimeRange).model(
    new TypeThresholdBuilder()
      .refId('C')
      .datasource(expressionDatasource)
      .expression('B')
      .conditions([{ evaluator: { type: spec.threshold.type, params: [spec.threshold.value] } }])
      .intervalMs(alertIntervalMs)
      .maxDataPoints(43_200),
  );
  const annotations: Record<string, string> = { summary: spec.summary, description: spec.description, __dashboardUid__: dashboardUid };
  if (panelId !== undefined) annotations.__panelId__ = String(panelId);
  return new RuleBuilder(spec.title)
    .uid(spec.uid)
    .orgID(orgId)
    .folderUID(target.folderUid)
    .ruleGroup(target.ruleGroup)
    .queries([a, b, c])
    .condition('C')
    .noDataState(spec.noData)
    .execErrState('Error')
    .forDuration(spec.for)
    .isPaused(false)
    .labels({ source: 'warmpath', alert: spec.uid.replace(/^warmpath-/, ''), severity: spec.severity, workload: '{{ $labels.workload }}', route: '{{ $labels.route }}' })
    .annotations(annotations);
}

/** The rule group in the HTTP provisioning API shape. */
export function alertRuleGroup(
  constants: SqlConstants,
  limits: AlertLimits,
  target: AlertTarget,
  overview: { uid: string; panelIdOf: (title: string) => number | undefined },
): RuleGroup {
  const group = new RuleGroupBuilder(target.ruleGroup).folderUid(target.folderUid).interval(evaluationIntervalS);
  for (const spec of alertSpecs(limits)) {
    group.withRule(rule(spec, renderSql(alertQueries[spec.query], constants), target, overview.uid, overview.panelIdOf(spec.panel)));
  }
  return group.build();
}

export interface FileProvisioning {
  readonly apiVersion: 1;
  readonly groups: readonly {
    readonly orgId: number;
    readonly name: string;
    readonly folder: string;
    readonly interval: string;
    readonly rules: readonly Record<string, unknown>[];
  }[];
}

/** Grafana substitutes `$NAME` in provisioning files: a literal `$` (macros, `$labels`) is `$$`. */
export function escapeDollars<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('$', '$$$$') as T;
  if (Array.isArray(value)) return value.map(escapeDollars) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeDollars(v)])) as T;
  return value;
}

/** The same group as a provisioning file (provisioning/alerting/*.yaml): folder by title, `$` escaped. */
export function fileProvisioning(group: RuleGroup, target: AlertTarget): FileProvisioning {
  const rules = (group.rules ?? []).map((r: Rule) => escapeDollars({
    uid: r.uid, title: r.title, condition: r.condition, data: r.data, noDataState: r.noDataState, execErrState: r.execErrState,
    for: r.for, annotations: r.annotations, labels: r.labels, isPaused: r.isPaused ?? false,
  }));
  return { apiVersion: 1, groups: [{ orgId, name: target.ruleGroup, folder: target.folderTitle, interval: `${group.interval ?? evaluationIntervalS}s`, rules }] };
}
