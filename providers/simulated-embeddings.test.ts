import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom, systemClock } from '../core/clock.ts';
import type { RouteConfig } from '../schemas/index.ts';
import { createSimulatedClient } from './simulated.ts';
import { SIMULATED_EMBEDDING_DIMENSIONS, simulatedEmbedding } from './simulated-embeddings.ts';

const cosine = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const answer = 'Refunds for damaged items are issued within five business days once the carrier confirms the damage.';

test('deterministic, unit length, fixed dimension', () => {
  const v = simulatedEmbedding(answer);
  assert.equal(v.length, SIMULATED_EMBEDDING_DIMENSIONS);
  assert.deepEqual(simulatedEmbedding(answer), v);
  assert.ok(Math.abs(cosine(v, v) - 1) < 1e-12);
});

const ordered: { name: string; closer: string; farther: string }[] = [
  { name: 'one changed word beats a different topic', closer: answer.replace('five', 'seven'), farther: 'The weather in Paris is mild in spring, with light rain most afternoons.' },
  { name: 'case and punctuation do not matter', closer: answer.toUpperCase().replace(/\./g, '!'), farther: answer.replace('damaged items', 'lost parcels').replace('five', 'ten') },
];
for (const c of ordered) {
  test(`similarity order: ${c.name}`, () => {
    const base = simulatedEmbedding(answer);
    assert.ok(cosine(base, simulatedEmbedding(c.closer)) > cosine(base, simulatedEmbedding(c.farther)));
  });
}

test('texts without words share one direction', () => {
  assert.deepEqual(simulatedEmbedding('—'), simulatedEmbedding('!!!'));
});

test('the simulated client embeds locally, one vector per input, and honours an aborted signal', async () => {
  const route = { name: 'emb', provider: 'sim', model: 'sim-embed' } as RouteConfig;
  const client = createSimulatedClient(route, { clock: systemClock, random: seededRandom(1) });
  const result = await client.embed!(['a b', 'c d'], { model: 'sim-embed', signal: new AbortController().signal });
  assert.ok(result.ok);
  assert.deepEqual(result.vectors, [simulatedEmbedding('a b'), simulatedEmbedding('c d')]);
  const aborted = await client.embed!(['x'], { model: 'sim-embed', signal: AbortSignal.abort(new DOMException('late', 'TimeoutError')) });
  assert.ok(!aborted.ok);
  assert.equal(aborted.failure.errorClass, 'timeout');
});
