import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { parseConfig } from '../core/config.ts';
import { baselinesOf, windowMeasure } from './measures.ts';

const route = (provider: string, model: string) => ({ provider, model, price: { input_per_mtok: 1, output_per_mtok: 1 }, policy: { region: 'us', retention_days: 0, logs_prompts: false, data_classes: [], tools: true } });
const config = parseConfig(
  stringify({
    providers: { sim: { kind: 'simulated' } },
    routes: { a: route('sim', 'a'), b: route('sim', 'b'), e: route('sim', 'e') },
    workloads: { plain: { primary: 'a', secondaries: ['b'] }, embedded: { primary: 'a', secondaries: ['b'], parity: { embeddings: { route: 'e' } } } },
  }),
  'measures.yaml',
);
const plain = config.workloads.plain!;
const embedded = config.workloads.embedded!;
const n = (count: number, value: number) => new Array<number>(count).fill(value);

const cases = [
  { name: 'no embeddings route: lexical', workload: plain, twins: { similarities: n(30, 0.8), embedding_similarities: n(30, 0.9) }, window: { similarities: [0.7], embedding_similarities: [0.95] }, want: { source: 'lexical', mean: 0.8, sims: [0.7] } },
  { name: 'embeddings with enough twins and pairs: embeddings', workload: embedded, twins: { similarities: n(30, 0.8), embedding_similarities: n(25, 0.9) }, window: { similarities: [0.7], embedding_similarities: [0.95] }, want: { source: 'embeddings', mean: 0.9, sims: [0.95] } },
  { name: 'too few twins with embeddings: lexical', workload: embedded, twins: { similarities: n(30, 0.8), embedding_similarities: n(19, 0.9) }, window: { similarities: [0.7], embedding_similarities: [0.95] }, want: { source: 'lexical', mean: 0.8, sims: [0.7] } },
  { name: 'no pair of the route with embeddings: lexical', workload: embedded, twins: { similarities: n(30, 0.8), embedding_similarities: n(30, 0.9) }, window: { similarities: [0.7], embedding_similarities: [] }, want: { source: 'lexical', mean: 0.8, sims: [0.7] } },
] as const;

for (const c of cases) {
  test(`window measure: ${c.name}`, () => {
    const got = windowMeasure(c.workload, baselinesOf(c.twins), c.window, 20);
    assert.deepEqual({ source: got.source, mean: got.noise?.mean, sims: got.similarities }, { source: c.want.source, mean: c.want.mean, sims: c.want.sims });
  });
}

test('window measure without twins or pairs: lexical, nothing to compare', () => {
  assert.deepEqual(windowMeasure(embedded, undefined, undefined, 20), { source: 'lexical', noise: undefined, similarities: [] });
});
