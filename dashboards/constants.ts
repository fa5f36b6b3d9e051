// What the dashboards and alerts know from the configuration, as ClickHouse literals: the
// database, every configured (workload, route) with its role and certification, and the
// per-workload figures (windows, thresholds, budgets) the evaluator and the router use.
// queries.ts names them as `{{token}}`; renderSql() fills them in at generation time, so
// the generated SQL needs no dashboard variable and works unchanged in alert rules (which
// Grafana does not template).

import { certify, sqlString } from '../core/index.ts';
import type { Config } from '../schemas/index.ts';

export type SqlConstants = Readonly<Record<string, string>>;

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  // Always a Float64 literal so every map has one value type.
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

/** `map('support', 0.9, …)`: a lookup by workload; a workload not in it reads 0. */
function workloadMap(config: Config, value: (w: Config['workloads'][string]) => number): string {
  const entries = Object.values(config.workloads).flatMap((w) => [sqlString(w.name), sqlNumber(value(w))]);
  return `map(${entries.join(', ')})`;
}

/** Every configured (workload, route): the primary and each secondary, with certification. */
function routesTable(config: Config): string {
  const rows: string[] = [];
  for (const w of Object.values(config.workloads)) {
    const roles: [string, string][] = [[w.primary, 'primary'], ...w.secondaries.map((r): [string, string] => [r, 'secondary'])];
    for (const [route, role] of roles) {
      const policy = config.routes[route]?.policy;
      const c = policy === undefined ? { certified: false, refusals: ['unknown route'] } : certify(w.requires, policy);
      const refusals = `[${c.refusals.map(sqlString).join(', ')}]`;
      rows.push(`(${sqlString(w.name)}, ${sqlString(route)}, ${sqlString(role)}, ${c.certified ? 1 : 0}, ${refusals})`);
    }
  }
  return `values('workload String, route String, role String, certified UInt8, refusals Array(String)', ${rows.join(', ')})`;
}

export function sqlConstants(config: Config): SqlConstants {
  const database = config.storage.database;
  if (!identifier.test(database)) throw new Error(`storage.database ${JSON.stringify(database)} is not a plain identifier`);
  return {
    database,
    routes: routesTable(config),
    window_s: workloadMap(config, (w) => w.parity.window_ms / 1000),
    warm_within_s: workloadMap(config, (w) => w.parity.warm_within_ms / 1000),
    min_samples: workloadMap(config, (w) => w.parity.min_samples),
    min_pass_rate: workloadMap(config, (w) => w.parity.min_pass_rate),
    sample_rate: workloadMap(config, (w) => w.shadow.sample_rate),
    // 0 = no daily cap (the router spends without limit).
    budget_usd: workloadMap(config, (w) => w.shadow.daily_budget_usd ?? 0),
  };
}

/** Fills every `{{token}}`; an unknown token is a bug in queries.ts, so it throws. */
export function renderSql(sql: string, constants: SqlConstants): string {
  return sql.trim().replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = constants[name];
    if (value === undefined) throw new Error(`unknown SQL constant {{${name}}}`);
    return value;
  });
}

/** Alert thresholds, shared by the rules and the panels that colour by them. */
export interface AlertLimits {
  /** Early warning when the parity lower bound is within this of min_pass_rate. */
  readonly parityHeadroom: number;
  /** Budget shares at which the router halves, then stops, shadow traffic. */
  readonly budgetHalved: number;
  readonly budgetStopped: number;
  /** The evaluator counts as stale after 3 missed intervals (at least a minute) or the feed TTL. */
  readonly evaluatorStaleS: number;
  /** p95 seconds from a request's end to its row in ClickHouse. */
  readonly ingestionLagS: number;
}

export function alertLimits(config: Config): AlertLimits {
  const e = config.evaluator;
  return {
    parityHeadroom: 0.03,
    budgetHalved: 0.8,
    budgetStopped: 0.95,
    evaluatorStaleS: Math.ceil(Math.max(60, (3 * e.interval_ms) / 1000, e.feed_ttl_ms / 1000)),
    ingestionLagS: 60,
  };
}
