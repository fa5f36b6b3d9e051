// Which similarity measure a workload's noise baseline and a route's window are in. Every
// pair has the embedded text similarity (`lexical`); pairs scored with an embeddings route
// also have the cosine (`embeddings`). Each measure is only ever compared with itself.

import type { WorkloadConfig } from '../schemas/index.ts';
import { noiseBaseline, type NoiseBaseline, type ParityOptions, type SimilaritySource } from './scorers/index.ts';

/** A workload's twin baselines in each measure; `embeddings` only from twins scored with embeddings. */
export interface Baselines {
  readonly lexical: NoiseBaseline;
  readonly embeddings: NoiseBaseline;
}

export function baselinesOf(twins: { readonly similarities: readonly number[]; readonly embedding_similarities: readonly number[] }): Baselines {
  return { lexical: noiseBaseline(twins.similarities), embeddings: noiseBaseline(twins.embedding_similarities) };
}

export interface WindowSimilarities {
  readonly source: SimilaritySource;
  readonly noise: NoiseBaseline | undefined;
  readonly similarities: readonly number[];
}

/**
 * The measure a route's window is judged in: embeddings cosine when the workload has an
 * embeddings route, at least `minTwins` twins scored with it and pairs of the route scored
 * with it; otherwise the embedded similarity, which every pair has.
 */
export function windowMeasure(
  workload: WorkloadConfig,
  baselines: Baselines | undefined,
  window: { readonly similarities: readonly number[]; readonly embedding_similarities: readonly number[] } | undefined,
  minTwins: number,
): WindowSimilarities {
  const embeddings = workload.parity.embeddings !== undefined && baselines !== undefined && baselines.embeddings.twins >= minTwins && (window?.embedding_similarities.length ?? 0) > 0;
  return embeddings
    ? { source: 'embeddings', noise: baselines.embeddings, similarities: window?.embedding_similarities ?? [] }
    : { source: 'lexical', noise: baselines?.lexical, similarities: window?.similarities ?? [] };
}

/** The primary's median latency and TTFT, the yardstick of the latency checks. */
export type PrimaryTypical = { readonly latencyMs: number | undefined; readonly ttftMs: number | undefined };

/** What scorePair needs for a workload: its parity settings and what the twins taught. */
export function parityOptions(workload: WorkloadConfig, noise: Baselines | undefined, primaryTypical: PrimaryTypical | undefined, minTwins: number): ParityOptions {
  const p = workload.parity;
  return {
    ...(p.embeddings === undefined ? {} : { embeddings: { noise: noise?.embeddings, minSimilarity: p.embeddings.min_similarity } }),
    ...(primaryTypical === undefined ? {} : { primaryTypical }),
    lengthRatio: p.length_ratio,
    latencyRatioMax: p.latency_ratio_max,
    ttftRatioMax: p.ttft_ratio_max,
    minSimilarity: p.min_similarity,
    noise: noise?.lexical,
    minTwins,
  };
}
