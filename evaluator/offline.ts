// Offline parity (`warmpath eval`): the verdict the evaluator would reach on live shadow
// traffic, reached on a fixed prompt set instead, so a route change can be gated in CI
// before any user sees it. Every prompt is sent to the primary twice (the second answer
// is the noise twin that calibrates the semantic floor) and to each certified secondary
// once; then the same scorers, noise floor and assessment as the live loop apply, with the
// prompt set in place of the sliding window. Pure: the answers come in, reports go out.

import { certify, type Certification } from '../core/policy.ts';
import { summariseCompletion } from '../providers/index.ts';
import type { ChatCompletion, RoutePolicy, WorkloadConfig } from '../schemas/index.ts';
import { assess, type Assessment, type RouteWindow } from './assessment.ts';
import { baselinesOf, parityOptions, windowMeasure, type Baselines } from './measures.ts';
import { answerText, clearlyWorse, meanSimilarity, scorePair, textSimilarity, type Answer, type CheckName, type PairEvidence, type PairRequest } from './scorers/index.ts';

/** One call's result: the answer, or why there is none. */
export type CallOutcome =
  | { readonly ok: true; readonly answer: Answer }
  | { readonly ok: false; readonly errorClass: string; readonly message: string };

/** One prompt of the set and what every route answered to it. */
export interface PromptRun {
  /** Where the prompt came from, e.g. "prompts.jsonl:12". */
  readonly source: string;
  readonly request: PairRequest;
  readonly primary: CallOutcome;
  /** The primary asked the same prompt a second time. */
  readonly twin: CallOutcome;
  /** Certified secondary route → its answer. */
  readonly secondaries: ReadonlyMap<string, CallOutcome>;
  /** The twin pair's embeddings cosine, when the workload embeds answers. */
  readonly twinEvidence?: PairEvidence;
  /** Secondary route → the embeddings cosine and judge verdict of its pair with the primary. */
  readonly evidence?: ReadonlyMap<string, PairEvidence>;
}

export interface FailedPair {
  readonly source: string;
  readonly failing: readonly CheckName[];
  /** The failing checks' details, in check order. */
  readonly details: readonly string[];
}

export interface CallError {
  readonly source: string;
  readonly errorClass: string;
  readonly message: string;
}

export interface OfflineRouteReport {
  readonly route: string;
  readonly certification: Certification;
  /** Absent for a route the policy refuses: it was not called. */
  readonly window: RouteWindow | undefined;
  readonly assessment: Assessment;
  /** Whether the route would be eligible for failover on this evidence. */
  readonly pass: boolean;
  readonly reasons: readonly string[];
  readonly failedPairs: readonly FailedPair[];
  readonly callErrors: readonly CallError[];
  /** Pairs the workload's judge was asked about, and how many of those got no verdict. */
  readonly judged: number;
  readonly judgeFailures: number;
}

export interface OfflineWorkloadReport {
  readonly workload: string;
  readonly primary: string;
  readonly prompts: number;
  /** Primary calls (two per prompt) that failed. */
  readonly primaryErrors: readonly CallError[];
  readonly twins: number;
  readonly noiseFloor: number | undefined;
  readonly similaritySource: 'lexical' | 'embeddings';
  readonly routes: readonly OfflineRouteReport[];
  /** Every certified secondary would be eligible (a workload without one passes vacuously). */
  readonly pass: boolean;
}

/** An OpenAI chat.completion as one side of a pair. */
export function answerOfCompletion(completion: ChatCompletion, latencyMs: number): Answer {
  const summary = summariseCompletion(completion);
  return {
    content: summary.response?.content ?? null,
    refusal: summary.response?.refusal ?? null,
    toolCalls: summary.response?.tool_calls ?? [],
    finishReason: summary.finishReason,
    latencyMs,
    ttftMs: null,
    outputTokens: summary.outputTokens,
  };
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The twins' similarities in each measure: the primary's own run-to-run noise on this set. */
function twinBaselines(runs: readonly PromptRun[]): Baselines {
  const similarities: number[] = [];
  const embeddingSimilarities: number[] = [];
  for (const run of runs) {
    if (!run.primary.ok || !run.twin.ok) continue;
    similarities.push(textSimilarity(answerText(run.primary.answer), answerText(run.twin.answer)));
    const cosine = run.twinEvidence?.embeddingSimilarity;
    if (cosine !== undefined) embeddingSimilarities.push(cosine);
  }
  return baselinesOf({ similarities, embedding_similarities: embeddingSimilarities });
}

// The live assessment's warmth is about time (samples within the window, the newest one
// recent); a prompt set is all "now", so only the sample count carries over.
function offlineReasons(assessment: Assessment, pairs: number, minSamples: number): string[] {
  const reasons = assessment.reasons.filter((r) => !r.startsWith('cold:'));
  if (pairs < minSamples) reasons.unshift(`too few pairs: ${pairs} < parity.min_samples ${minSamples} (add prompts, or lower min_samples)`);
  return reasons;
}

/** `policies`: every route's policy (a secondary without one is refused as unknown). */
export function assessPromptSet(
  workload: WorkloadConfig,
  policies: ReadonlyMap<string, RoutePolicy>,
  runs: readonly PromptRun[],
  minTwins: number,
): OfflineWorkloadReport {
  const baselines = twinBaselines(runs);
  const primaryLatencies: number[] = [];
  const primaryErrors: CallError[] = [];
  for (const run of runs) {
    for (const call of [run.primary, run.twin]) {
      if (call.ok) primaryLatencies.push(call.answer.latencyMs);
      else primaryErrors.push({ source: run.source, errorClass: call.errorClass, message: call.message });
    }
  }
  const options = parityOptions(workload, baselines, { latencyMs: median(primaryLatencies), ttftMs: undefined }, minTwins);

  const routes: OfflineRouteReport[] = [];
  let measureUsed: 'lexical' | 'embeddings' = 'lexical';
  for (const route of workload.secondaries) {
    const policy = policies.get(route);
    const certification: Certification = policy === undefined ? { certified: false, refusals: ['unknown route'] } : certify(workload.requires, policy);
    if (!certification.certified) {
      const assessment = assess(certification, emptyWindow, workload.parity);
      routes.push({ route, certification, window: undefined, assessment, pass: false, reasons: assessment.reasons, failedPairs: [], callErrors: [], judged: 0, judgeFailures: 0 });
      continue;
    }
    let calls = 0;
    let passes = 0;
    const failuresByCheck: Record<string, number> = {};
    const similarities: number[] = [];
    const embeddingSimilarities: number[] = [];
    const failedPairs: FailedPair[] = [];
    const callErrors: CallError[] = [];
    let judged = 0;
    let judgeFailures = 0;
    for (const run of runs) {
      const shadow = run.secondaries.get(route);
      if (shadow === undefined) continue;
      calls += 1;
      if (!shadow.ok) {
        callErrors.push({ source: run.source, errorClass: shadow.errorClass, message: shadow.message });
        continue;
      }
      // As live: a pair needs both answers; a failed primary call says nothing of the secondary.
      if (!run.primary.ok) continue;
      const evidence = run.evidence?.get(route);
      if (evidence?.judge !== undefined) {
        judged += 1;
        if (evidence.judge.kind === 'failed') judgeFailures += 1;
      }
      const verdict = scorePair(run.primary.answer, shadow.answer, run.request, options, evidence);
      similarities.push(verdict.lexicalSimilarity);
      if (verdict.similaritySource === 'embeddings') embeddingSimilarities.push(verdict.similarity);
      if (verdict.pass) passes += 1;
      else {
        for (const check of verdict.failing) failuresByCheck[check] = (failuresByCheck[check] ?? 0) + 1;
        failedPairs.push({ source: run.source, failing: verdict.failing, details: verdict.checks.filter((c) => !c.pass).map((c) => c.detail) });
      }
    }
    const pairs = similarities.length;
    const measure = windowMeasure(workload, baselines, { similarities, embedding_similarities: embeddingSimilarities }, minTwins);
    if (measure.source === 'embeddings') measureUsed = 'embeddings';
    const usableNoise = measure.noise !== undefined && measure.noise.twins >= minTwins ? measure.noise : undefined;
    const window: RouteWindow = {
      shadowCalls: calls,
      shadowErrors: callErrors.length,
      pairs,
      passes,
      failuresByCheck,
      newestPairAgeMs: pairs > 0 ? 0 : undefined,
      similaritySource: measure.source,
      similarityMean: meanSimilarity(measure.similarities),
      semanticWorse: usableNoise === undefined || pairs === 0 ? undefined : clearlyWorse(usableNoise, measure.similarities),
      noiseFloor: usableNoise?.floor,
    };
    const assessment = assess(certification, window, workload.parity);
    const reasons = offlineReasons(assessment, pairs, workload.parity.min_samples);
    routes.push({ route, certification, window, assessment, pass: reasons.length === 0, reasons, failedPairs, callErrors, judged, judgeFailures });
  }
  const noise = measureUsed === 'embeddings' ? baselines.embeddings : baselines.lexical;
  return {
    workload: workload.name,
    primary: workload.primary,
    prompts: runs.length,
    primaryErrors,
    twins: noise.twins,
    noiseFloor: noise.twins >= minTwins ? noise.floor : undefined,
    similaritySource: measureUsed,
    routes,
    pass: routes.every((r) => r.pass || !r.certification.certified),
  };
}

const emptyWindow: RouteWindow = {
  shadowCalls: 0,
  shadowErrors: 0,
  pairs: 0,
  passes: 0,
  failuresByCheck: {},
  newestPairAgeMs: undefined,
  similaritySource: 'lexical',
  similarityMean: undefined,
  semanticWorse: undefined,
  noiseFloor: undefined,
};
