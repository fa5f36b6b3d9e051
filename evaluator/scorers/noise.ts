// Noise calibration: the primary answering the same request twice ("noise twins") shows how
// much its own answers vary. A secondary is judged against that, not against a constant.
//
// Per pair: floor = max(0, mean − 3·max(stddev, MIN_NOISE_SPREAD)). Three spreads below the
// twins' mean keeps ~99.9% of an equally variable secondary's pairs above it (under
// normality). The spread is at least MIN_NOISE_SPREAD so a deterministic primary (identical
// twins, every similarity 1.0, stddev 0) gives a floor of 0.94, not 1.0 that any harmless
// difference would fail.
//
// Per window (clearlyWorse): one-sided Welch z-test that the secondary's mean similarity is
// below the twins' mean, both spreads at least MIN_NOISE_SPREAD. Worse when z > Z_ONE_SIDED_1PCT
// (1% one-sided) AND the mean difference > MIN_PRACTICAL_DIFF: with hundreds of pairs a
// tiny, harmless gap is "significant", so it must also be large enough to matter.

import type { NoiseBaseline } from './types.ts';

export const MIN_NOISE_SPREAD = 0.02;
export const FLOOR_SPREADS = 3;
export const Z_ONE_SIDED_1PCT = 2.33;
export const MIN_PRACTICAL_DIFF = 0.03;

interface Moments {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1); 0 below two samples. */
  readonly stddev: number;
}

function moments(values: readonly number[]): Moments {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  // Welford: stable for long windows of values close to 1.
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    n++;
    const delta = v - mean;
    mean += delta / n;
    m2 += delta * (v - mean);
  }
  return { n, mean, stddev: n > 1 ? Math.sqrt(m2 / (n - 1)) : 0 };
}

/** A window's mean similarity (non-finite values skipped, as in every moment here); undefined when it has none. */
export function meanSimilarity(similarities: readonly number[]): number | undefined {
  const m = moments(similarities);
  return m.n === 0 ? undefined : m.mean;
}

/** Learns the primary's own similarity distribution from twin similarities. */
export function noiseBaseline(similarities: readonly number[]): NoiseBaseline {
  const m = moments(similarities);
  if (m.n === 0) return { twins: 0, mean: 0, stddev: 0, floor: 0 };
  const floor = Math.max(0, m.mean - FLOOR_SPREADS * Math.max(m.stddev, MIN_NOISE_SPREAD));
  return { twins: m.n, mean: m.mean, stddev: m.stddev, floor };
}

export interface WorseVerdict {
  readonly worse: boolean;
  /** Welch z of (twin mean − shadow mean); positive when the shadow is lower. */
  readonly z: number;
  readonly detail: string;
}

/** Whether a window of shadow similarities is significantly and materially below the twins. */
export function clearlyWorse(twins: NoiseBaseline, shadowSimilarities: readonly number[]): WorseVerdict {
  const s = moments(shadowSimilarities);
  if (twins.twins < 2 || s.n < 2)
    return { worse: false, z: 0, detail: `too few samples (${twins.twins} twins, ${s.n} shadow pairs)` };
  const twinSpread = Math.max(twins.stddev, MIN_NOISE_SPREAD);
  const shadowSpread = Math.max(s.stddev, MIN_NOISE_SPREAD);
  const se = Math.sqrt((twinSpread * twinSpread) / twins.twins + (shadowSpread * shadowSpread) / s.n);
  const diff = twins.mean - s.mean;
  const z = diff / se;
  const worse = z > Z_ONE_SIDED_1PCT && diff > MIN_PRACTICAL_DIFF;
  const figures = `shadow mean ${s.mean.toFixed(3)} vs twin mean ${twins.mean.toFixed(3)} (Δ ${diff.toFixed(3)}, z ${z.toFixed(2)}; ${s.n} pairs, ${twins.twins} twins)`;
  const why = worse
    ? `z > ${Z_ONE_SIDED_1PCT} and Δ > ${MIN_PRACTICAL_DIFF}`
    : z > Z_ONE_SIDED_1PCT
      ? `significant but Δ ≤ ${MIN_PRACTICAL_DIFF}`
      : `z ≤ ${Z_ONE_SIDED_1PCT}`;
  return { worse, z, detail: `${worse ? 'clearly worse' : 'not clearly worse'}: ${figures}: ${why}` };
}
