// One verdict per primary/shadow pair: every applicable structural check plus the semantic
// check against the noise floor (or the fixed threshold while there are too few twins), and
// the LLM judge's check when the pair was judged.
//
// The semantic measure is the embeddings cosine when the evidence carries one (the workload
// has an embeddings route and both answers were embedded), judged against the twins scored
// in that same measure; otherwise the embedded text similarity against the lexical twins.

import { answerText, textSimilarity } from './semantic.ts';
import { structuralChecks } from './structural.ts';
import type {
  Answer,
  CheckName,
  CheckResult,
  JudgeOutcome,
  NoiseBaseline,
  PairEvidence,
  PairRequest,
  PairVerdict,
  ParityOptions,
  SimilaritySource,
} from './types.ts';

export interface SemanticFloor {
  readonly floor: number;
  readonly source: 'noise' | 'fixed';
  /** Where the floor came from, for verdict details and the feed's reasons. */
  readonly basis: string;
}

/** The semantic threshold for a pair: the noise floor once enough twins exist, else fixed. */
export function semanticFloor(options: ParityOptions, measure: SimilaritySource = 'lexical'): SemanticFloor {
  const embeddings = measure === 'embeddings' ? options.embeddings : undefined;
  const noise: NoiseBaseline | undefined = embeddings === undefined ? options.noise : embeddings.noise;
  const minSimilarity = embeddings === undefined ? options.minSimilarity : embeddings.minSimilarity;
  const twins = embeddings === undefined ? 'twins' : 'twins with embeddings';
  if (noise !== undefined && noise.twins >= options.minTwins)
    return { floor: noise.floor, source: 'noise', basis: `noise floor ${noise.floor.toFixed(2)} (from ${noise.twins} ${twins})` };
  const why = noise === undefined || noise.twins === 0 ? `no ${twins} yet` : `only ${noise.twins} ${twins}`;
  return {
    floor: minSimilarity,
    source: 'fixed',
    basis: `fixed threshold ${minSimilarity}: ${why} (< ${options.minTwins})`,
  };
}

/** The semantic check for an already computed similarity. */
export function semanticCheck(similarity: number, floor: SemanticFloor, measure: SimilaritySource = 'lexical'): CheckResult {
  const pass = similarity >= floor.floor;
  return {
    check: 'semantic',
    pass,
    score: similarity,
    detail: `${measure === 'embeddings' ? 'embeddings cosine' : 'similarity'} ${similarity.toFixed(2)} ${pass ? '≥' : '<'} ${floor.basis}`,
  };
}

/** The judge's check; undefined when it gave no verdict (the pair is not failed for that). */
export function judgeCheck(outcome: JudgeOutcome): CheckResult | undefined {
  if (outcome.kind !== 'verdict') return undefined;
  const reason = outcome.reason.trim() === '' ? 'no reason given' : outcome.reason.trim();
  return {
    check: 'judge',
    pass: outcome.equivalent,
    score: outcome.equivalent ? 1 : 0,
    detail: `judge ${outcome.route}: ${outcome.equivalent ? 'equivalent' : 'not equivalent'}: ${reason}`,
  };
}

/** Scores one pair: pass iff every applicable check passes. */
export function scorePair(primary: Answer, shadow: Answer, request: PairRequest, options: ParityOptions, evidence: PairEvidence = {}): PairVerdict {
  const checks: CheckResult[] = [];
  for (const check of structuralChecks) {
    const r = check(primary, shadow, request, options);
    if (r !== undefined) checks.push(r);
  }
  const lexicalSimilarity = textSimilarity(answerText(primary), answerText(shadow));
  const cosine = evidence.embeddingSimilarity;
  const measure: SimilaritySource = cosine === undefined || options.embeddings === undefined ? 'lexical' : 'embeddings';
  const similarity = measure === 'embeddings' ? (cosine as number) : lexicalSimilarity;
  const floor = semanticFloor(options, measure);
  const semantic = semanticCheck(similarity, floor, measure);
  // What did not happen is said where the measure it would have changed is reported.
  const notes: string[] = [];
  if (measure === 'lexical' && evidence.embeddingsFallback !== undefined) notes.push(`embeddings unavailable (${evidence.embeddingsFallback}): embedded similarity used`);
  if (evidence.judge?.kind === 'failed') notes.push(`judge ${evidence.judge.route} unavailable (${evidence.judge.reason}): not judged`);
  checks.push(notes.length === 0 ? semantic : { ...semantic, detail: `${semantic.detail}; ${notes.join('; ')}` });
  const judged = evidence.judge === undefined ? undefined : judgeCheck(evidence.judge);
  if (judged !== undefined) checks.push(judged);
  const failing: CheckName[] = [];
  for (const r of checks) if (!r.pass) failing.push(r.check);
  return {
    pass: failing.length === 0,
    checks,
    failing,
    similarity,
    similaritySource: measure,
    lexicalSimilarity,
    semanticFloor: floor.floor,
    floorSource: floor.source,
  };
}
