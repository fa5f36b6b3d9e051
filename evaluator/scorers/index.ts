export type {
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
export type { JsonType, Parsed } from './json.ts';
export { canonicalJson, fenceInner, parseJson, SCHEMA_CACHE_SIZE, schemaValidator } from './json.ts';
export type { FinishClass, RefusalKind } from './refusal.ts';
export { finishReasonClass, hasRefusalPhrasing, REFUSAL_MAX_CHARS, refusalKind } from './refusal.ts';
export type { StructuralCheck } from './structural.ts';
export {
  finishReasonCheck,
  jsonCheck,
  jsonKeysCheck,
  latencyCheck,
  lengthCheck,
  refusalCheck,
  schemaCheck,
  structuralChecks,
  toolCallsCheck,
  ttftCheck,
} from './structural.ts';
export {
  answerText,
  LEXICAL_WEIGHT,
  MAX_SIMILARITY_CHARS,
  semanticText,
  similarity,
  textSimilarity,
} from './semantic.ts';
export type { WorseVerdict } from './noise.ts';
export {
  clearlyWorse,
  FLOOR_SPREADS,
  MIN_NOISE_SPREAD,
  meanSimilarity,
  MIN_PRACTICAL_DIFF,
  noiseBaseline,
  Z_ONE_SIDED_1PCT,
} from './noise.ts';
export type { SemanticFloor } from './pair.ts';
export { judgeCheck, scorePair, semanticCheck, semanticFloor } from './pair.ts';
export { embeddingCosine } from './cosine.ts';
export { measureScoringThroughput } from './throughput.ts';
