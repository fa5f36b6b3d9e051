// GET /v1/routes and `warmpath routes`: per workload × route, the evaluator's decision and
// figures next to what the router in this process knows (breaker state, shadow spend).

import type { Config, EligibilityFeed } from '../schemas/index.ts';
import { formatTable, percent } from './terminal.ts';

export interface RouterStatus {
  breaker(route: string): string;
  shadowSpendToday(workload: string): number;
}

export interface RouteRow {
  readonly workload: string;
  readonly route: string;
  readonly role: 'primary' | 'secondary';
  /** null while no evaluation has run. */
  readonly eligible: boolean | null;
  readonly reasons: readonly string[];
  readonly samples: number | null;
  readonly pass_rate: number | null;
  readonly lower_bound: number | null;
  readonly noise_floor: number | null;
  /** The measure the semantic figures are in (`lexical` or `embeddings`); null before an evaluation. */
  readonly similarity_source: string | null;
  readonly newest_sample_age_s: number | null;
  readonly breaker: string | null;
  readonly shadow_spend_usd_today: number | null;
}

const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);

export function routeRows(config: Config, feed: EligibilityFeed | undefined, status: RouterStatus | undefined): RouteRow[] {
  const rows: RouteRow[] = [];
  for (const workload of Object.values(config.workloads)) {
    const members: ['primary' | 'secondary', string][] = [['primary', workload.primary], ...workload.secondaries.map((r): ['secondary', string] => ['secondary', r])];
    for (const [role, route] of members) {
      const entry = feed?.routes.find((e) => e.workload === workload.name && e.route === route);
      rows.push({
        workload: workload.name,
        route,
        role,
        eligible: entry?.eligible ?? null,
        reasons: entry?.reasons ?? (feed === undefined ? ['no evaluation yet'] : []),
        samples: num(entry?.warmth.samples),
        pass_rate: num(entry?.parity.pass_rate),
        lower_bound: num(entry?.parity.lower_bound),
        noise_floor: num(entry?.parity.noise_floor),
        similarity_source: typeof entry?.parity.similarity_source === 'string' ? entry.parity.similarity_source : null,
        newest_sample_age_s: num(entry?.warmth.newest_sample_age_s),
        breaker: status?.breaker(route) ?? null,
        shadow_spend_usd_today: role === 'primary' ? (status?.shadowSpendToday(workload.name) ?? null) : null,
      });
    }
  }
  return rows;
}

/**
 * A route's reasons as one line of the WHY column: a label the reason before it already gave
 * is not repeated ("not certified: a; b" rather than "not certified: a; not certified: b").
 */
export function whyText(reasons: readonly string[]): string {
  let previousLabel: string | undefined;
  return reasons
    .map((reason) => {
      const colon = reason.indexOf(': ');
      const label = colon === -1 ? undefined : reason.slice(0, colon);
      const shown = label !== undefined && label === previousLabel ? reason.slice(colon + 2) : reason;
      previousLabel = label;
      return shown;
    })
    .join('; ');
}

const fixed = (x: number | null, digits: number): string => (x === null ? '-' : x.toFixed(digits));

export function formatRoutes(rows: readonly RouteRow[]): string {
  const header = ['WORKLOAD', 'ROUTE', 'ROLE', 'ELIGIBLE', 'SAMPLES', 'PASS', 'LOWER', 'NOISE FLOOR', 'MEASURE', 'NEWEST', 'BREAKER', 'SPEND TODAY', 'WHY'];
  const body = rows.map((r) => [
    r.workload,
    r.route,
    r.role,
    r.role === 'primary' ? 'serving' : r.eligible === null ? '?' : r.eligible ? 'yes' : 'no',
    r.samples === null ? '-' : String(r.samples),
    percent(r.pass_rate),
    percent(r.lower_bound),
    fixed(r.noise_floor, 3),
    r.similarity_source ?? '-',
    r.newest_sample_age_s === null ? '-' : `${r.newest_sample_age_s}s`,
    r.breaker ?? '-',
    r.shadow_spend_usd_today === null ? '' : `$${r.shadow_spend_usd_today.toFixed(4)}`,
    whyText(r.reasons),
  ]);
  return formatTable([header, ...body]);
}
