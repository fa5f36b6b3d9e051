// One verdict per primary/shadow pair: every applicable structural check plus the semantic
// check against the noise floor (or the fixed threshold while there are too few twins).

import { answerText, textSimilarity } from './semantic.ts';
import { structuralChecks } from './structural.ts';
import type { Answer, CheckName, CheckResult, PairRequest, PairVerdict, ParityOptions } from './types.ts';

export interface SemanticFloor {
  readonly floor: number;
  readonly source: 'noise' | 'fixed';
  /** Where the floor came from, for verdict details and the feed's reasons. */
  readonly basis: string;
}

/** The semantic threshold for a pair: the noise floor once enough twins exist, else fixed. */
export function semanticFloor(options: ParityOptions): SemanticFloor {
  const noise = options.noise;
  if (noise !== undefined && noise.twins >= options.minTwins)
    return { floor: noise.floor, source: 'noise', basis: `noise floor ${noise.floor.toFixed(2)} (from ${noise.twins} twins)` };
  const why = noise === undefined || noise.twins === 0 ? 'no twins yet' : `only ${noise.twins} twins`;
  return {
    floor: options.minSimilarity,
    source: 'fixed',
    basis: `fixed threshold ${options.minSimilarity}: ${why} (< ${options.minTwins})`,
  };
}

/** The semantic check for an already computed similarity. */
export function semanticCheck(similarity: number, floor: SemanticFloor): CheckResult {
  const pass = similarity >= floor.floor;
  return {
    check: 'semantic',
    pass,
    score: similarity,
    detail: `similarity ${similarity.toFixed(2)} ${pass ? '≥' : '<'} ${floor.basis}`,
  };
}

/** Scores one pair: pass iff every applicable check passes. */
export function scorePair(primary: Answer, shadow: Answer, request: PairRequest, options: ParityOptions): PairVerdict {
  const checks: CheckResult[] = [];
  for (const check of structuralChecks) {
    const r = check(primary, shadow, request, options);
    if (r !== undefined) checks.push(r);
  }
  const similarity = textSimilarity(answerText(primary), answerText(shadow));
  const floor = semanticFloor(options);
  checks.push(semanticCheck(similarity, floor));
  const failing: CheckName[] = [];
  for (const r of checks) if (!r.pass) failing.push(r.check);
  return {
    pass: failing.length === 0,
    checks,
    failing,
    similarity,
    semanticFloor: floor.floor,
    floorSource: floor.source,
  };
}
