// The router's view of the evaluator's decisions. It is injected: under `warmpath start` the
// evaluator's feed replaces the default, and tests pass their own.

import type { EligibilityFeed } from '../schemas/index.ts';

export interface EligibilitySnapshot {
  /** Whether `route` may take `workload`'s traffic on failover right now. */
  isEligible(workload: string, route: string): boolean;
}

export interface EligibilitySource {
  snapshot(): EligibilitySnapshot;
}

/**
 * Until an evaluator feeds decisions, every certified secondary counts as eligible: the
 * failover chain is then exactly the certified secondaries.
 */
export const everyCertifiedRouteEligible: EligibilitySource = {
  snapshot: () => ({ isEligible: () => true }),
};

/** A snapshot read from a feed document: only entries marked eligible pass. */
export function snapshotOfFeed(feed: EligibilityFeed): EligibilitySnapshot {
  const eligible = new Set<string>();
  for (const entry of feed.routes) if (entry.eligible) eligible.add(`${entry.workload}\u0000${entry.route}`);
  return { isEligible: (workload, route) => eligible.has(`${workload}\u0000${route}`) };
}
