import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { seededRandom } from '../core/clock.ts';
import { parseConfig } from '../core/config.ts';
import type { ParityAssist } from './assist.ts';
import { embeddingEvidence, judgeEvidence, preparePair, type PreparedPair } from './evidence.ts';
import type { CandidatePair } from './store.ts';

const route = (model: string) => ({ provider: 'sim', model, price: { input_per_mtok: 1, output_per_mtok: 1 }, policy: { region: 'us', retention_days: 0, logs_prompts: false, data_classes: [], tools: true } });
const config = parseConfig(
  stringify({
    providers: { sim: { kind: 'simulated' } },
    routes: { a: route('a'), b: route('b'), e: route('e') },
    workloads: {
      judged: { primary: 'a', secondaries: ['b'], parity: { judge: { route: 'e', sample_rate: 0.25, max_calls_per_run: 1000 }, embeddings: { route: 'e' } } },
      capped: { primary: 'a', secondaries: ['b'], parity: { judge: { route: 'e', sample_rate: 1, max_calls_per_run: 2 } } },
      plain: { primary: 'a', secondaries: ['b'] },
    },
  }),
  'evidence.yaml',
);

let serial = 0;
function pair(workload: string, primary: string, shadow: string, primaryId?: string): PreparedPair {
  serial++;
  const response = (content: string) => JSON.stringify({ content, refusal: null, tool_calls: [] });
  const c = {
    record_id: `s${serial}`, kind: 'shadow', pair_id: primaryId ?? `p${serial}`, ts: '2026-01-01 00:00:00.000', workload, route: 'b', outcome: 'ok', stream: false,
    latency_ms: 1, ttft_ms: null, output_tokens: 1, finish_reason: 'stop', response_json: response(shadow), retention_days: 1, inserted_at: '',
    p_record_id: primaryId ?? `p${serial}`, p_route: 'a', p_outcome: 'ok', p_latency_ms: 1, p_ttft_ms: null, p_output_tokens: 1, p_finish_reason: 'stop',
    p_request_json: JSON.stringify({ messages: [{ role: 'user', content: 'q' }] }), p_response_json: response(primary),
  } satisfies CandidatePair;
  return preparePair(c, config.workloads)!;
}

function fakeAssist(vectors: Record<string, number[]>, failures: Record<string, string> = {}) {
  const judged: string[] = [];
  const embedded: string[][] = [];
  const assist: ParityAssist = {
    async embed(_workload, texts) {
      embedded.push([...texts.keys()]);
      const v = new Map<string, number[]>();
      const f = new Map<string, string>();
      for (const [key, text] of texts) {
        if (failures[text] !== undefined) f.set(key, failures[text]);
        else if (vectors[text] !== undefined) v.set(key, vectors[text]);
      }
      return { vectors: v, failures: f };
    },
    async judge(_workload, _request, _reference, candidate) {
      judged.push(candidate);
      return { kind: 'verdict', route: 'e', equivalent: true, reason: 'ok' };
    },
    takeCounts: () => new Map(),
    close: async () => undefined,
  };
  return { assist, judged, embedded };
}

test('the judge sees exactly the pairs whose draw is under sample_rate, one draw per pair in order', async () => {
  const pairs = Array.from({ length: 400 }, (_, i) => pair('judged', 'same', `answer ${i}`));
  const { assist, judged } = fakeAssist({});
  const outcomes = await judgeEvidence(assist, pairs, seededRandom(11));
  const replay = seededRandom(11);
  const want = pairs.filter(() => replay() < 0.25).map((p) => p.shadowText);
  assert.deepEqual(judged, want);
  assert.equal(outcomes.size, want.length);
  assert.ok(want.length > 70 && want.length < 130, `${want.length} of 400 at 0.25`);
});

test('at most max_calls_per_run per workload; blank pairs and unjudged workloads cost nothing', async () => {
  const { assist, judged } = fakeAssist({});
  const pairs = [pair('capped', 'x', 'one'), pair('capped', '', ''), pair('capped', 'x', 'two'), pair('capped', 'x', 'three'), pair('plain', 'x', 'four')];
  const outcomes = await judgeEvidence(assist, pairs, seededRandom(1));
  assert.deepEqual(judged, ['one', 'two']);
  assert.deepEqual([...outcomes.keys()], [pairs[0]!.candidate.record_id, pairs[2]!.candidate.record_id]);
  assert.equal((await judgeEvidence(undefined, pairs, seededRandom(1))).size, 0);
});

test('max_calls_per_run holds across the pages of one run when they share the count', async () => {
  const { assist, judged } = fakeAssist({});
  const asked = new Map<string, number>();
  await judgeEvidence(assist, [pair('capped', 'x', 'page 1a')], seededRandom(1), asked);
  await judgeEvidence(assist, [pair('capped', 'x', 'page 2a'), pair('capped', 'x', 'page 2b')], seededRandom(1), asked);
  assert.deepEqual(judged, ['page 1a', 'page 2a']);
  assert.equal(asked.get('capped'), 2);
});

test('embeddings evidence: the cosine when both answers have a vector, else the reason; primaries keyed once', async () => {
  const shared = pair('judged', 'alpha', 'beta', 'P1');
  const twinLike = pair('judged', 'alpha', 'alpha', 'P1');
  const broken = pair('judged', 'alpha', 'gamma', 'P1');
  const other = pair('plain', 'alpha', 'beta');
  const { assist, embedded } = fakeAssist({ alpha: [1, 0], beta: [1, 1] }, { gamma: 'server_error 503: down' });
  const evidence = await embeddingEvidence(assist, [shared, twinLike, broken, other]);
  assert.deepEqual(embedded, [['p:P1', `s:${shared.candidate.record_id}`, `s:${twinLike.candidate.record_id}`, `s:${broken.candidate.record_id}`]]);
  assert.ok(Math.abs((evidence.get(shared.candidate.record_id)?.embeddingSimilarity ?? 0) - Math.SQRT1_2) < 1e-12);
  assert.equal(evidence.get(twinLike.candidate.record_id)?.embeddingSimilarity, 1);
  assert.deepEqual(evidence.get(broken.candidate.record_id), { embeddingsFallback: 'server_error 503: down' });
  assert.equal(evidence.get(other.candidate.record_id), undefined, 'a workload without embeddings has no evidence');
});
