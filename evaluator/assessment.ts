// One evaluation of one (workload, secondary) over the sliding window: certified ∧ warm ∧
// parity ∧ healthy, each with the reasons it failed. Pure: the window's figures come in.

import type { Certification } from '../core/policy.ts';
import { formatDuration } from '../core/durations.ts';
import type { ParityConfig } from '../schemas/index.ts';
import type { SimilaritySource } from './scorers/index.ts';
import { wilsonLowerBound } from './wilson.ts';

/** What the store knows about a route's shadow traffic in the window. */
export interface RouteWindow {
  /** Shadow calls made (any outcome). */
  readonly shadowCalls: number;
  /** Shadow calls that ended in an error, timeout or truncation. */
  readonly shadowErrors: number;
  /** Scored pairs (primary and shadow both answered). */
  readonly pairs: number;
  readonly passes: number;
  readonly failuresByCheck: Readonly<Record<string, number>>;
  /** Age of the newest scored pair; undefined when there is none. */
  readonly newestPairAgeMs: number | undefined;
  /** The measure `similarityMean`, `noiseFloor` and `semanticWorse` are in. */
  readonly similaritySource: SimilaritySource;
  readonly similarityMean: number | undefined;
  /** Whether the secondary's similarity is significantly below the primary's own noise. */
  readonly semanticWorse: { readonly worse: boolean; readonly detail: string } | undefined;
  readonly noiseFloor: number | undefined;
}

export interface Assessment {
  readonly certified: boolean;
  readonly warm: boolean;
  readonly parity: boolean;
  readonly healthy: boolean;
  readonly eligible: boolean;
  readonly reasons: readonly string[];
  readonly passRate: number | undefined;
  readonly lowerBound: number | undefined;
  readonly errorRate: number | undefined;
  readonly failingChecks: readonly string[];
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export function assess(certification: Certification, window: RouteWindow, parity: ParityConfig): Assessment {
  const reasons: string[] = [...certification.refusals.map((r) => `not certified: ${r}`)];

  let warm = true;
  if (window.pairs < parity.min_samples) {
    warm = false;
    reasons.push(`cold: ${window.pairs} samples in ${formatDuration(parity.window_ms)} < ${parity.min_samples}`);
  }
  if (window.newestPairAgeMs === undefined) {
    warm = false;
    if (window.pairs >= parity.min_samples) reasons.push('cold: no samples');
  } else if (window.newestPairAgeMs > parity.warm_within_ms) {
    warm = false;
    reasons.push(`cold: newest sample ${formatDuration(Math.round(window.newestPairAgeMs / 1000) * 1000)} old > ${formatDuration(parity.warm_within_ms)}`);
  }

  const passRate = window.pairs > 0 ? window.passes / window.pairs : undefined;
  const lowerBound = window.pairs > 0 ? wilsonLowerBound(window.passes, window.pairs) : undefined;
  const failing = Object.entries(window.failuresByCheck)
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1]);
  const failingChecks = failing.map(([check]) => check);
  let parityOk = true;
  if (lowerBound === undefined) {
    parityOk = false;
    reasons.push('parity: no scored pairs');
  } else if (lowerBound < parity.min_pass_rate) {
    parityOk = false;
    // Which checks the failing pairs failed is what an operator looks at next.
    const which = failing.length === 0 ? '' : ` (failing: ${failing.map(([check, count]) => `${check} ${count}`).join(', ')})`;
    reasons.push(`parity: pass rate ${pct(passRate as number)}, lower bound ${pct(lowerBound)} < ${pct(parity.min_pass_rate)}${which}`);
  }
  for (const [check, limit] of Object.entries(parity.hard_failure_limits)) {
    const failures = window.failuresByCheck[check] ?? 0;
    if (window.pairs > 0 && failures / window.pairs > limit) {
      parityOk = false;
      reasons.push(`parity: ${check} failures ${pct(failures / window.pairs)} > limit ${pct(limit)}`);
    }
  }
  if (window.semanticWorse?.worse === true) {
    parityOk = false;
    reasons.push(`parity: semantic ${window.semanticWorse.detail}`);
  }

  const errorRate = window.shadowCalls > 0 ? window.shadowErrors / window.shadowCalls : undefined;
  const healthy = errorRate === undefined || errorRate <= parity.max_error_rate;
  if (!healthy) reasons.push(`unhealthy: shadow error rate ${pct(errorRate as number)} > ${pct(parity.max_error_rate)}`);

  const eligible = certification.certified && warm && parityOk && healthy;
  // An uncertified route never gets shadow traffic: only the policy explains why it is out.
  const shown = certification.certified ? reasons : reasons.filter((r) => r.startsWith('not certified'));
  return { certified: certification.certified, warm, parity: parityOk, healthy, eligible, reasons: shown, passRate, lowerBound, errorRate, failingChecks };
}
