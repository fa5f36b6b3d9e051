// The parity scorers' contract: pure functions of two answers to the same request.

import type { FunctionTool, ResponseFormat, ToolCall } from '../../schemas/index.ts';

/** One side of a pair, as read back from an exchange record. */
export interface Answer {
  readonly content: string | null;
  readonly refusal: string | null;
  readonly toolCalls: readonly ToolCall[];
  readonly finishReason: string | null;
  readonly latencyMs: number;
  readonly ttftMs: number | null;
  readonly outputTokens: number;
}

/** What the request asked for, which decides which checks apply. */
export interface PairRequest {
  readonly responseFormat: ResponseFormat | undefined;
  readonly tools: readonly FunctionTool[] | undefined;
}

export type CheckName =
  | 'json'
  | 'schema'
  | 'json_keys'
  | 'tool_calls'
  | 'finish_reason'
  | 'refusal'
  | 'length'
  | 'latency'
  | 'ttft'
  | 'semantic'
  | 'judge';

/** Which measure a pair's similarity is in: the embedded text similarity, or embeddings cosine. */
export type SimilaritySource = 'lexical' | 'embeddings';

/** The LLM judge's word on a pair, or why it was not asked / not heard. */
export type JudgeOutcome =
  | { readonly kind: 'verdict'; readonly route: string; readonly equivalent: boolean; readonly reason: string }
  | { readonly kind: 'failed'; readonly route: string; readonly reason: string };

/**
 * What the optional model-assisted measures found for one pair. The calls happen before
 * scoring (evaluator/assist.ts); scoring stays pure.
 */
export interface PairEvidence {
  /** Cosine of the two answers' embeddings; absent when not configured or not obtained. */
  readonly embeddingSimilarity?: number;
  /** Why the embedded similarity was used although the workload has an embeddings route. */
  readonly embeddingsFallback?: string;
  /** Absent when the workload has no judge or the pair was not sampled. */
  readonly judge?: JudgeOutcome;
}

export interface CheckResult {
  readonly check: CheckName;
  readonly pass: boolean;
  /** 0..1, 1 = identical behaviour; for pass/fail checks 1 or 0. */
  readonly score: number;
  /** Why it failed (or what was compared), short and human-readable. */
  readonly detail: string;
}

/** The primary's own run-to-run semantic similarity, learnt from noise twins. */
export interface NoiseBaseline {
  readonly twins: number;
  readonly mean: number;
  readonly stddev: number;
  /** Per-pair semantic pass threshold derived from the twins. */
  readonly floor: number;
}

export interface ParityOptions {
  readonly lengthRatio: { readonly min: number; readonly max: number };
  readonly latencyRatioMax: number;
  readonly ttftRatioMax: number;
  /** Fixed per-pair semantic threshold used while the noise baseline has too few twins. */
  readonly minSimilarity: number;
  /** Undefined, or too few twins: the fixed threshold applies and the verdict says so. */
  readonly noise: NoiseBaseline | undefined;
  readonly minTwins: number;
  /**
   * The noise baseline in the embeddings measure (twins scored with embeddings) and its
   * fixed threshold: used for pairs whose evidence has an embedding similarity.
   */
  readonly embeddings?: { readonly noise: NoiseBaseline | undefined; readonly minSimilarity: number };
  /**
   * The primary's median latency and TTFT over the window, when known. Latency checks then
   * compare a shadow with what the primary typically takes, not with the one paired call
   * (two independent draws from long-tailed distributions fail a fixed ratio too often).
   */
  readonly primaryTypical?: { readonly latencyMs: number | undefined; readonly ttftMs: number | undefined };
}

export interface PairVerdict {
  readonly pass: boolean;
  readonly checks: readonly CheckResult[];
  readonly failing: readonly CheckName[];
  /** In the measure `similaritySource` names. */
  readonly similarity: number;
  readonly similaritySource: SimilaritySource;
  /** The embedded text similarity, whatever measure the semantic check used. */
  readonly lexicalSimilarity: number;
  /** The semantic threshold used for this pair and where it came from. */
  readonly semanticFloor: number;
  readonly floorSource: 'noise' | 'fixed';
}
