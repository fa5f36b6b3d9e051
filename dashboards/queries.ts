// Every SQL statement the dashboards, their variables and the alert rules run, by name. The
// builders and the truth test import these; nothing else writes dashboard SQL.
//
// Two layers of placeholders:
// - `{{name}}`: constants from the config (constants.ts), filled in when generating.
// - grafana-clickhouse-datasource macros and dashboard variables, expanded by Grafana:
//   `$__timeFilter_ms(ts)`, `$__timeInterval(ts)`, `$__fromTime`, `$__toTime`, and
//   `$__conditionalAll(cond, $var)` with `${var:singlequote}` for multi-value variables.
// Alert rules are not templated by Grafana (no variables, no `$__conditionalAll`), so each
// alert query is the panel query's fragment with the scope `1 = 1`: the same SQL, unscoped.

/** Scope of a panel: the `workload` and `route` variables (multi-value, with All). */
export function scopeTo(workloadColumn: string | undefined, routeCondition: string | undefined): string {
  const parts: string[] = [];
  if (workloadColumn !== undefined) parts.push(`$__conditionalAll(${workloadColumn} IN (\${workload:singlequote}), $workload)`);
  if (routeCondition !== undefined) parts.push(`$__conditionalAll(${routeCondition}, $route)`);
  return parts.length === 0 ? '1 = 1' : parts.join(' AND ');
}

const inRoutes = (column: string): string => `${column} IN (\${route:singlequote})`;
const panelScope = scopeTo('workload', inRoutes('route'));
const workloadScope = scopeTo('workload', undefined);
// Similarities in embeddings cosine and in the embedded text similarity are different
// scales: a series or bucket in embeddings says so, and never averages with the other.
const inEmbeddings = "similarity_source = 'embeddings'";
const measureSuffix = `if(${inEmbeddings}, ' (embeddings)', '')`;
// A prefix, not a suffix, for histogram buckets: they sort by label, and stay grouped by measure.
const measurePrefix = `if(${inEmbeddings}, 'embeddings ', '')`;
const unscoped = '1 = 1';

/** Lower bound of the Wilson score interval, z = 1.96: the evaluator's `wilsonLowerBound`. */
export function wilsonSql(passes: string, n: string): string {
  const p = `(${passes}) / (${n})`;
  return `if((${n}) = 0, NULL, greatest(0, (${p} + 1.9208 / (${n}) - 1.96 * sqrt(${p} * (1 - ${p}) / (${n}) + 0.9604 / ((${n}) * (${n})))) / (1 + 3.8416 / (${n}))))`;
}

// ---- shared fragments: each feeds a panel and an alert ------------------------------------

/** The newest eligibility change per (workload, route) up to the end of the range. */
const latestEligibility = `
  SELECT workload, route, toUInt8(1) AS decided, argMax(eligible, ts) AS eligible, max(ts) AS changed_at,
         argMax(reasons, ts) AS reasons
  FROM {{database}}.eligibility_events FINAL
  WHERE ts <= $__toTime
  GROUP BY workload, route`;

/** Every configured (workload, route) with its scored shadow pairs in the workload's window
 *  ending at the end of the range: what "warm" and "parity" are judged on. */
const routeWindow = (scoped: boolean): string => `
  SELECT c.workload AS workload, c.route AS route, c.role AS role, c.certified AS certified, c.refusals AS refusals,
         w.samples AS samples, w.passes AS passes,
         if(w.samples = 0, NULL, w.passes / w.samples) AS pass_rate,
         ${wilsonSql('w.passes', 'w.samples')} AS lower_bound,
         if(w.samples = 0, NULL, dateDiff('second', w.newest, $__toTime)) AS newest_sample_age_s
  FROM {{routes}} AS c
  LEFT JOIN (
    SELECT workload, route, count() AS samples, countIf(pass) AS passes, max(ts) AS newest
    FROM {{database}}.parity_results FINAL
    WHERE kind = 'shadow' AND ts <= $__toTime AND ts > $__toTime - toIntervalSecond({{window_s}}[workload])
    GROUP BY workload, route) AS w ON w.workload = c.workload AND w.route = c.route
  WHERE ${scoped ? scopeTo('c.workload', inRoutes('c.route')) : unscoped}`;

/** Shadow and twin spend today (UTC, the router's budget day) against the daily cap. */
const spendToday = (scoped: boolean): string => `
  SELECT c.workload AS workload, s.spent AS spent_today_usd, {{budget_usd}}[c.workload] AS budget_usd,
         if(budget_usd > 0, spent_today_usd / budget_usd, NULL) AS budget_used
  FROM (SELECT DISTINCT workload FROM {{routes}}) AS c
  LEFT JOIN (
    SELECT workload, sum(cost_usd) AS spent
    FROM {{database}}.exchanges FINAL
    WHERE kind IN ('shadow', 'twin') AND ts >= toStartOfDay($__toTime, 'UTC') AND ts <= $__toTime
    GROUP BY workload) AS s ON s.workload = c.workload
  WHERE ${scoped ? scopeTo('c.workload', undefined) : unscoped}`;

/** Share of primary requests answered by a secondary in the last 15 minutes against the
 *  24 hours before; "normal" is at most 3× that baseline, and at least 1%. */
const failoverRate = (scoped: boolean): string => `
  SELECT workload, first_route AS route, recent_requests, recent_rate, baseline_rate,
         recent_rate - greatest(0.01, 3 * baseline_rate) AS excess
  FROM (
    SELECT workload, first_route,
           countIf(recent) AS recent_requests,
           countIf(recent AND fallback) / greatest(recent_requests, 1) AS recent_rate,
           countIf(NOT recent AND fallback) / greatest(countIf(NOT recent), 1) AS baseline_rate
    FROM (
      SELECT workload, fallback, if(empty(attempt_routes), route, attempt_routes[1]) AS first_route,
             (ts > $__toTime - INTERVAL 15 MINUTE) AS recent
      FROM {{database}}.exchanges FINAL
      WHERE kind = 'primary' AND ts > $__toTime - INTERVAL 1455 MINUTE AND ts <= $__toTime)
    WHERE ${scoped ? scopeTo('workload', inRoutes('first_route')) : unscoped}
    GROUP BY workload, first_route)`;

/** Evidence that the evaluator ran: its newest state write or verdict. */
const evaluatorAge = `
  SELECT '*' AS workload, '*' AS route,
         dateDiff('second', greatest((SELECT max(updated_at) FROM {{database}}.evaluator_state),
                                     (SELECT max(evaluated_at) FROM {{database}}.parity_results)), $__toTime) AS evaluator_age_s`;

/** How late rows reach ClickHouse: insert time minus the end of the request, for rows
 *  inserted in the last 10 minutes. A collector replaying its disk spool shows up here. */
const ingestionLag = (scoped: boolean): string => `
  SELECT workload, '*' AS route, count() AS rows_inserted,
         quantile(0.95)(lag_s) AS lag_p95_s, max(lag_s) AS lag_max_s
  FROM (
    SELECT workload, greatest(0, (toUnixTimestamp64Milli(inserted_at) - toUnixTimestamp64Milli(ts) - latency_ms) / 1000) AS lag_s
    FROM {{database}}.exchanges
    WHERE kind = 'primary' AND inserted_at > $__toTime - INTERVAL 10 MINUTE AND inserted_at <= $__toTime AND ${scoped ? workloadScope : unscoped})
  GROUP BY workload`;

// ---- panels --------------------------------------------------------------------------------

export const panelQueries = {
  eligibilityMatrix: `
SELECT r.workload AS workload, r.route AS route, r.role AS role,
       multiIf(r.role = 'primary', 'primary', r.certified = 0, 'not certified', l.decided = 0, 'not yet eligible',
               l.eligible, 'eligible', 'ineligible') AS state,
       if(l.decided = 1, toString(l.changed_at), '') AS since,
       multiIf(r.certified = 0, arrayStringConcat(arrayMap(x -> concat('not certified: ', x), r.refusals), '; '),
               r.role = 'primary', 'serves the workload',
               l.decided = 0, 'no eligibility change recorded yet: the evaluator has not admitted this route',
               arrayStringConcat(l.reasons, '; ')) AS reasons,
       r.samples AS window_samples, r.pass_rate AS window_pass_rate, r.lower_bound AS window_lower_bound,
       {{min_pass_rate}}[r.workload] AS min_pass_rate, r.newest_sample_age_s AS newest_sample_age_s
FROM (${routeWindow(true)}) AS r
LEFT JOIN (${latestEligibility}) AS l ON l.workload = r.workload AND l.route = r.route
ORDER BY workload, role, route`,

  parityPassRate: `
SELECT $__timeInterval(ts) AS time, concat(workload, ' → ', route) AS target,
       countIf(pass) / count() AS pass_rate, ${wilsonSql('countIf(pass)', 'count()')} AS lower_bound,
       any({{min_pass_rate}}[workload]) AS min_pass_rate
FROM {{database}}.parity_results FINAL
WHERE kind = 'shadow' AND $__timeFilter_ms(ts) AND ${panelScope}
GROUP BY time, target
ORDER BY time`,

  similarityVsNoise: `
SELECT time, series, similarity FROM (
  SELECT $__timeInterval(ts) AS time, concat(workload, ' → ', route, ${measureSuffix}) AS series, avg(similarity) AS similarity
  FROM {{database}}.parity_results FINAL
  WHERE kind = 'shadow' AND $__timeFilter_ms(ts) AND ${panelScope}
  GROUP BY time, series
  UNION ALL
  SELECT $__timeInterval(ts) AS time, concat(workload, ': noise floor', ${measureSuffix}) AS series, avg(semantic_floor) AS similarity
  FROM {{database}}.parity_results FINAL
  WHERE kind = 'shadow' AND $__timeFilter_ms(ts) AND ${workloadScope}
  GROUP BY time, series
  UNION ALL
  SELECT $__timeInterval(ts) AS time, concat(workload, ': primary vs itself', ${measureSuffix}) AS series, avg(similarity) AS similarity
  FROM {{database}}.parity_results FINAL
  WHERE kind = 'twin' AND $__timeFilter_ms(ts) AND ${workloadScope}
  GROUP BY time, series)
ORDER BY time`,

  failuresByCheck: `
SELECT $__timeInterval(ts) AS time, concat(route, ': ', failed_check) AS failure, count() AS failures
FROM {{database}}.parity_results FINAL
ARRAY JOIN failing AS failed_check
WHERE kind = 'shadow' AND $__timeFilter_ms(ts) AND ${panelScope}
GROUP BY time, failure
ORDER BY time`,

  requestsByApi: `
SELECT $__timeInterval(ts) AS time, concat(workload, ': ', if(api = '', 'api not recorded', api), ' (', outcome, ')') AS requests, count() AS n
FROM {{database}}.exchanges FINAL
WHERE kind = 'primary' AND $__timeFilter_ms(ts) AND ${panelScope}
GROUP BY time, requests
ORDER BY time`,

  shadowCalls: `
SELECT $__timeInterval(ts) AS time, concat(kind, ' → ', route, ': ', outcome) AS calls, count() AS n
FROM {{database}}.exchanges FINAL
WHERE kind IN ('shadow', 'twin') AND $__timeFilter_ms(ts) AND ${panelScope}
GROUP BY time, calls
ORDER BY time`,

  shadowSampleRate: `
SELECT s.time AS time, concat(s.workload, ' → ', s.route) AS target, s.n / p.n AS effective_rate,
       {{sample_rate}}[s.workload] AS configured_rate
FROM (
  SELECT $__timeInterval(ts) AS time, workload, route, count() AS n
  FROM {{database}}.exchanges FINAL
  WHERE kind = 'shadow' AND $__timeFilter_ms(ts) AND ${panelScope}
  GROUP BY time, workload, route) AS s
INNER JOIN (
  SELECT $__timeInterval(ts) AS time, workload, count() AS n
  FROM {{database}}.exchanges FINAL
  WHERE kind = 'primary' AND outcome = 'ok' AND NOT fallback AND $__timeFilter_ms(ts) AND ${workloadScope}
  GROUP BY time, workload) AS p ON p.time = s.time AND p.workload = s.workload
ORDER BY time`,

  spendVsBudget: `${spendToday(true)}
ORDER BY workload`,

  latency: `
SELECT $__timeInterval(ts) AS time, concat(kind, ' ', route) AS series,
       quantile(0.5)(latency_ms) AS p50_ms, quantile(0.95)(latency_ms) AS p95_ms
FROM {{database}}.exchanges FINAL
WHERE kind IN ('primary', 'shadow') AND outcome = 'ok' AND $__timeFilter_ms(ts) AND ${panelScope}
GROUP BY time, series
ORDER BY time`,

  ttft: `
SELECT $__timeInterval(ts) AS time, concat(kind, ' ', route) AS series,
       quantile(0.5)(ttft_ms) AS p50_ms, quantile(0.95)(ttft_ms) AS p95_ms
FROM {{database}}.exchanges FINAL
WHERE kind IN ('primary', 'shadow') AND outcome = 'ok' AND ttft_ms IS NOT NULL AND $__timeFilter_ms(ts) AND ${panelScope}
GROUP BY time, series
ORDER BY time`,

  failovers: `
SELECT $__timeInterval(ts) AS time, concat(workload, ': ', attempt_routes[1], ' → ', route) AS failover, count() AS n
FROM {{database}}.exchanges FINAL
WHERE kind = 'primary' AND fallback AND $__timeFilter_ms(ts) AND ${scopeTo('workload', `hasAny(attempt_routes, [\${route:singlequote}])`)}
GROUP BY time, failover
ORDER BY time`,

  recentFailovers: `
SELECT ts, workload, attempt_routes[1] AS from_route, route AS served_by, arrayStringConcat(attempt_routes, ' → ') AS attempts,
       arrayStringConcat(attempt_error_classes, ', ') AS error_classes, status, request_id
FROM {{database}}.exchanges FINAL
WHERE kind = 'primary' AND fallback AND $__timeFilter_ms(ts) AND ${scopeTo('workload', `hasAny(attempt_routes, [\${route:singlequote}])`)}
ORDER BY ts DESC
LIMIT 100`,

  failoverRate: `${failoverRate(true)}
ORDER BY workload, route`,

  breakerOpen: `
SELECT $__timeInterval(ts) AS time, attempt.1 AS breaker_route, toUInt8(countIf(attempt.2 = 'breaker_open') > 0) AS open
FROM {{database}}.exchanges FINAL
ARRAY JOIN arrayZip(attempt_routes, attempt_error_classes) AS attempt
WHERE kind = 'primary' AND $__timeFilter_ms(ts) AND ${scopeTo('workload', inRoutes('attempt.1'))}
GROUP BY time, breaker_route
ORDER BY time`,

  evaluatorAge: evaluatorAge,

  ingestionLag: `${ingestionLag(true)}
ORDER BY workload`,

  // ---- route detail (single workload and route) ----

  failingPairs: `
SELECT ts, arrayStringConcat(failing, ', ') AS failing_checks,
       arrayStringConcat(arrayFilter((d, ok) -> NOT ok, check_details, check_passes), '; ') AS why,
       round(similarity, 3) AS similarity, round(semantic_floor, 3) AS floor,
       if(at = 0, 'excerpts identical',
          concat('@', toString(at), ' primary «', substringUTF8(primary_excerpt, greatest(at - 20, 1), 80),
                 '» shadow «', substringUTF8(shadow_excerpt, greatest(at - 20, 1), 80), '»')) AS diff,
       pair_id
FROM (
  SELECT *, arrayFirstIndex(i -> substringUTF8(primary_excerpt, i, 1) != substringUTF8(shadow_excerpt, i, 1),
                            range(1, greatest(lengthUTF8(primary_excerpt), lengthUTF8(shadow_excerpt)) + 1)) AS at
  FROM {{database}}.parity_results FINAL
  WHERE kind = 'shadow' AND NOT pass AND $__timeFilter_ms(ts) AND ${panelScope})
ORDER BY ts DESC
LIMIT 50`,

  similarityHistogram: `
SELECT concat(${measurePrefix}, toString(floor(similarity * 20) / 20)) AS similarity_bucket,
       countIf(kind = 'shadow') AS shadow_pairs, countIf(kind = 'twin') AS noise_twins
FROM {{database}}.parity_results FINAL
WHERE $__timeFilter_ms(ts) AND ${workloadScope} AND (kind = 'twin' OR (kind = 'shadow' AND $__conditionalAll(${inRoutes('route')}, $route)))
GROUP BY similarity_bucket
ORDER BY similarity_bucket`,

  checkPassRates: `
SELECT chk.1 AS check_name, countIf(chk.2) / count() AS pass_rate, count() AS pairs
FROM {{database}}.parity_results FINAL
ARRAY JOIN arrayZip(check_names, check_passes) AS chk
WHERE kind = 'shadow' AND $__timeFilter_ms(ts) AND ${panelScope}
GROUP BY check_name
ORDER BY check_name`,

  eligibilityTimeline: `
SELECT time, concat(workload, ' → ', route) AS target, eligible FROM (
  SELECT ts AS time, workload, route, toUInt8(eligible) AS eligible
  FROM {{database}}.eligibility_events FINAL
  WHERE $__timeFilter_ms(ts) AND ${panelScope}
  UNION ALL
  -- the state the range starts in: the newest change before it
  SELECT toDateTime64($__fromTime, 3, 'UTC') AS time, workload, route, toUInt8(argMax(eligible, ts)) AS eligible
  FROM {{database}}.eligibility_events FINAL
  WHERE ts < $__toTime AND NOT ($__timeFilter_ms(ts)) AND ${panelScope}
  GROUP BY workload, route)
ORDER BY time`,

  driftEvents: `
SELECT ts, workload, route, if(eligible, 'became eligible', 'lost eligibility') AS change,
       arrayStringConcat(reasons, '; ') AS reasons, samples, pass_rate, lower_bound, noise_floor,
       similarity_source AS measure,
       arrayStringConcat(failing_checks, ', ') AS failing_checks
FROM {{database}}.eligibility_events FINAL
WHERE $__timeFilter_ms(ts) AND ${panelScope}
ORDER BY ts DESC
LIMIT 200`,
} as const;

// ---- variables -----------------------------------------------------------------------------

export const variableQueries = {
  workload: `
SELECT workload FROM (
  SELECT workload FROM {{routes}}
  UNION DISTINCT
  SELECT DISTINCT workload FROM {{database}}.exchanges WHERE $__timeFilter_ms(ts))
ORDER BY workload`,

  route: `
SELECT route FROM (
  SELECT route FROM {{routes}} WHERE ${workloadScope}
  UNION DISTINCT
  SELECT DISTINCT route FROM {{database}}.exchanges WHERE $__timeFilter_ms(ts) AND ${workloadScope})
ORDER BY route`,
} as const;

// ---- alerts: the panel fragments, unscoped; one numeric column, workload and route labels ----

export const alertQueries = {
  lostEligibility: `
SELECT workload, route, toFloat64(eligible) AS eligible
FROM (${latestEligibility})`,

  parityHeadroom: `
SELECT workload, route, lower_bound - {{min_pass_rate}}[workload] AS headroom
FROM (${routeWindow(false)})
WHERE role = 'secondary' AND certified = 1 AND samples >= {{min_samples}}[workload]`,

  routeCold: `
SELECT workload, route, ifNull(newest_sample_age_s, {{window_s}}[workload]) / {{warm_within_s}}[workload] AS coldness
FROM (${routeWindow(false)})
WHERE role = 'secondary' AND certified = 1`,

  budgetUsed: `
SELECT workload, '*' AS route, budget_used
FROM (${spendToday(false)})
WHERE budget_usd > 0`,

  evaluatorAge: evaluatorAge,

  ingestionLag: `
SELECT workload, route, lag_p95_s
FROM (${ingestionLag(false)})`,

  failoverExcess: `
SELECT workload, route, excess
FROM (${failoverRate(false)})
WHERE recent_requests >= 10`,
} as const;

export type PanelQueryName = keyof typeof panelQueries;
export type AlertQueryName = keyof typeof alertQueries;
