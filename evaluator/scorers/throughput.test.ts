import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerText } from './semantic.ts';
import { measureScoringThroughput, throughputCorpus } from './throughput.ts';

test('the benchmark mix is realistic: four kinds, 1–2 KB answers', () => {
  const corpus = throughputCorpus(64);
  assert.deepEqual(new Set(corpus.map((p) => p.kind)), new Set(['text', 'json_object', 'json_schema', 'tool_calls']));
  for (const p of corpus) {
    const n = answerText(p.primary).length;
    assert.ok(n >= 1000 && n <= 2400, `${p.kind} answer of ${n} chars`);
  }
});

test('the benchmark mix is deterministic', () => {
  assert.deepEqual(throughputCorpus(8), throughputCorpus(8));
});

test('the measurement scores every pair of the mix and reports a rate', () => {
  const { pairsPerSecond } = measureScoringThroughput({ pairs: 200 });
  assert.ok(Number.isFinite(pairsPerSecond) && pairsPerSecond > 0);
});
