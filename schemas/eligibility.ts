// The eligibility feed: the evaluator's decisions as the router reads them
// (GET /v1/eligibility on the admin port). The router and the evaluator meet here.

export type RouteRole = 'primary' | 'secondary';

export interface EligibilityEntry {
  readonly workload: string;
  readonly route: string;
  readonly role: RouteRole;
  readonly eligible: boolean;
  readonly reasons: readonly string[];
  /** ISO time of the last change of `eligible`. */
  readonly since: string;
  readonly warmth: Readonly<Record<string, unknown>>;
  readonly parity: Readonly<Record<string, unknown>>;
}

export interface EligibilityFeed {
  readonly version: number;
  readonly generated_at: string;
  readonly ttl_s: number;
  readonly routes: readonly EligibilityEntry[];
}
