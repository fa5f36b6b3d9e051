// scorePair with the optional evidence: the embeddings cosine replacing the embedded
// similarity (against the embeddings noise floor), fallbacks said in the detail, the judge.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { embeddingCosine } from './cosine.ts';
import { answer, OPTIONS, TEXT } from './fixtures.ts';
import { scorePair } from './pair.ts';
import { textSimilarity } from './semantic.ts';
import type { CheckName, NoiseBaseline, PairEvidence, ParityOptions, SimilaritySource } from './types.ts';

const REFUND = 'Your refund of $42.10 was issued on March 3 and reaches the original card within 5 business days.';
const PARAPHRASE = 'Good news: the $42.10 went back to you on 3 March; banks usually need about a week to show it.';
const primary = answer({ content: REFUND, outputTokens: 24 });
const paraphrase = answer({ content: PARAPHRASE, outputTokens: 24 });
const twins = (n: number, floor: number): NoiseBaseline => ({ twins: n, mean: floor + 0.06, stddev: 0.02, floor });
const withEmbeddings = (noise: NoiseBaseline | undefined, minSimilarity = 0.8): ParityOptions => ({ ...OPTIONS, embeddings: { noise, minSimilarity } });

const cases: {
  name: string;
  options: ParityOptions;
  evidence: PairEvidence;
  want: { pass: boolean; failing: CheckName[]; source: SimilaritySource; similarity?: number; semantic: string; judge?: string };
}[] = [
  {
    name: 'a paraphrase the embedded similarity fails passes on a high cosine',
    options: withEmbeddings(twins(40, 0.86)),
    evidence: { embeddingSimilarity: 0.93 },
    want: { pass: true, failing: [], source: 'embeddings', similarity: 0.93, semantic: 'embeddings cosine 0.93 ≥ noise floor 0.86 (from 40 twins with embeddings)' },
  },
  {
    name: 'a low cosine fails against the embeddings floor',
    options: withEmbeddings(twins(40, 0.86)),
    evidence: { embeddingSimilarity: 0.71 },
    want: { pass: false, failing: ['semantic'], source: 'embeddings', similarity: 0.71, semantic: 'embeddings cosine 0.71 < noise floor 0.86 (from 40 twins with embeddings)' },
  },
  {
    name: 'too few twins with embeddings: the embeddings fixed threshold, said so',
    options: withEmbeddings(twins(3, 0.5), 0.8),
    evidence: { embeddingSimilarity: 0.84 },
    want: { pass: true, failing: [], source: 'embeddings', semantic: 'embeddings cosine 0.84 ≥ fixed threshold 0.8: only 3 twins with embeddings (< 20)' },
  },
  {
    name: 'no cosine (outage): the embedded similarity against the lexical floor, and why',
    options: { ...withEmbeddings(twins(40, 0.86)), noise: twins(40, 0.15) },
    evidence: { embeddingsFallback: 'timeout: upstream did not answer in time' },
    want: { pass: true, failing: [], source: 'lexical', semantic: '≥ noise floor 0.15 (from 40 twins); embeddings unavailable (timeout: upstream did not answer in time): embedded similarity used' },
  },
  {
    name: 'a cosine without an embeddings configuration is ignored',
    options: OPTIONS,
    evidence: { embeddingSimilarity: 0.99 },
    want: { pass: false, failing: ['semantic'], source: 'lexical', semantic: '< fixed threshold 0.6: no twins yet (< 20)' },
  },
  {
    name: 'the judge deems it not equivalent: the pair fails with the reason',
    options: withEmbeddings(twins(40, 0.86)),
    evidence: { embeddingSimilarity: 0.95, judge: { kind: 'verdict', route: 'referee', equivalent: false, reason: 'The candidate gives 3 March but omits the amount.' } },
    want: { pass: false, failing: ['judge'], source: 'embeddings', semantic: 'embeddings cosine 0.95', judge: 'judge referee: not equivalent: The candidate gives 3 March but omits the amount.' },
  },
  {
    name: 'the judge deems it equivalent: a passing judge check',
    options: withEmbeddings(twins(40, 0.86)),
    evidence: { embeddingSimilarity: 0.95, judge: { kind: 'verdict', route: 'referee', equivalent: true, reason: '' } },
    want: { pass: true, failing: [], source: 'embeddings', semantic: 'embeddings cosine 0.95', judge: 'judge referee: equivalent: no reason given' },
  },
  {
    name: 'a failed judge call adds no check; the semantic detail says so',
    options: withEmbeddings(twins(40, 0.86)),
    evidence: { embeddingSimilarity: 0.95, judge: { kind: 'failed', route: 'referee', reason: 'server_error 500: down' } },
    want: { pass: true, failing: [], source: 'embeddings', semantic: 'judge referee unavailable (server_error 500: down): not judged' },
  },
];

for (const c of cases) {
  test(c.name, () => {
    const v = scorePair(primary, paraphrase, TEXT, c.options, c.evidence);
    const why = v.checks.map((r) => `${r.check}: ${r.detail}`).join('\n');
    assert.deepEqual({ pass: v.pass, failing: v.failing, source: v.similaritySource }, { pass: c.want.pass, failing: c.want.failing, source: c.want.source }, why);
    assert.equal(v.lexicalSimilarity, textSimilarity(REFUND, PARAPHRASE));
    if (c.want.similarity !== undefined) assert.equal(v.similarity, c.want.similarity);
    if (v.similaritySource === 'lexical') assert.equal(v.similarity, v.lexicalSimilarity);
    const semantic = v.checks.find((r) => r.check === 'semantic');
    assert.ok(semantic?.detail.includes(c.want.semantic), semantic?.detail ?? 'no semantic check');
    const judge = v.checks.find((r) => r.check === 'judge');
    assert.equal(judge?.detail, c.want.judge);
  });
}

test('without evidence the verdict is the embedded one, as before', () => {
  const v = scorePair(primary, paraphrase, TEXT, OPTIONS);
  assert.equal(v.similaritySource, 'lexical');
  assert.equal(v.similarity, v.lexicalSimilarity);
  assert.ok(!v.checks.some((r) => r.check === 'judge'));
});

const cosines: { name: string; a: number[]; b: number[]; want: number | undefined }[] = [
  { name: 'identical', a: [0.6, 0.8], b: [0.6, 0.8], want: 1 },
  { name: 'scale does not matter', a: [1, 2, 3], b: [2, 4, 6], want: 1 },
  { name: 'orthogonal', a: [1, 0], b: [0, 1], want: 0 },
  { name: 'opposed counts as unrelated', a: [1, 0], b: [-1, 0], want: 0 },
  { name: '45 degrees', a: [1, 0], b: [1, 1], want: Math.SQRT1_2 },
  { name: 'dimensions differ', a: [1, 0], b: [1, 0, 0], want: undefined },
  { name: 'empty', a: [], b: [], want: undefined },
  { name: 'a zero vector', a: [0, 0], b: [1, 0], want: undefined },
];
for (const c of cosines) {
  test(`cosine: ${c.name}`, () => {
    const got = embeddingCosine(c.a, c.b);
    if (c.want === undefined) assert.equal(got, undefined);
    else assert.ok(got !== undefined && Math.abs(got - c.want) < 1e-12, String(got));
  });
}
