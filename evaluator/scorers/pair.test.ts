import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  answer,
  call,
  JSON_OBJECT,
  JSON_SCHEMA,
  OPTIONS,
  SUPPORT_JSON,
  SUPPORT_JSON_FENCED,
  TEXT,
  toolAnswer,
  TOOLS,
} from './fixtures.ts';
import { noiseBaseline } from './noise.ts';
import { scorePair } from './pair.ts';
import type { Answer, CheckName, NoiseBaseline, PairRequest, ParityOptions } from './types.ts';

const REFUND =
  'Your refund of $42.10 was issued on March 3. Refunds usually reach the original card within 5 business days; if it has not arrived by March 10, reply here and we will trace it with the bank.';
const REFUND_REWORDED =
  'We issued your refund of $42.10 on March 3. It usually reaches the original card within 5 business days; if it has not arrived by March 10, reply here and we will trace it with the bank.';
const REFUND_PARAPHRASE =
  'Good news: the money ($42.10) went back to you on 3 March. Banks typically need about a week to show it; should nothing appear by the 10th, let us know so we can chase it.';

const text = (content: string, tokens: number, extra: Partial<Answer> = {}): Answer =>
  answer({ content, outputTokens: tokens, latencyMs: 900, ...extra });
const primary = text(REFUND, 48);
const twins = (n: number, floor: number): NoiseBaseline => ({ twins: n, mean: floor + 0.1, stddev: 0.033, floor });

interface Case {
  readonly name: string;
  readonly primary: Answer;
  readonly shadow: Answer;
  readonly request?: PairRequest;
  readonly options?: Partial<ParityOptions>;
  readonly want: {
    readonly pass: boolean;
    readonly failing: readonly CheckName[];
    readonly floorSource?: 'noise' | 'fixed';
    readonly semantic?: string;
  };
}

const weather = (args: unknown, id?: string): Answer => toolAnswer([call('get_weather', args, id)], { latencyMs: 900 });

const cases: readonly Case[] = [
  { name: 'identical text answers pass', primary, shadow: text(REFUND, 48), want: { pass: true, failing: [], floorSource: 'fixed', semantic: 'similarity 1.00 ≥ fixed threshold 0.6: no twins yet (< 20)' } },
  { name: 'reworded answer passes', primary, shadow: text(REFUND_REWORDED, 50, { latencyMs: 1400 }), want: { pass: true, failing: [] } },
  { name: 'paraphrase fails the fixed threshold', primary, shadow: text(REFUND_PARAPHRASE, 45), want: { pass: false, failing: ['semantic'] } },
  { name: 'paraphrase passes a low learnt floor', primary, shadow: text(REFUND_PARAPHRASE, 45), options: { noise: twins(240, 0.15) }, want: { pass: true, failing: [], floorSource: 'noise', semantic: '≥ noise floor 0.15 (from 240 twins)' } },
  { name: 'reworded answer fails a strict learnt floor', primary, shadow: text(REFUND_REWORDED, 50), options: { noise: twins(240, 0.95) }, want: { pass: false, failing: ['semantic'], floorSource: 'noise', semantic: '< noise floor 0.95 (from 240 twins)' } },
  { name: 'too few twins: the fixed threshold, said so', primary, shadow: text(REFUND_PARAPHRASE, 45), options: { noise: twins(4, 0.25) }, want: { pass: false, failing: ['semantic'], floorSource: 'fixed', semantic: '< fixed threshold 0.6: only 4 twins (< 20)' } },
  { name: 'OpenAI json_schema vs Anthropic fenced JSON: only json fails', primary: text(SUPPORT_JSON, 40), shadow: text(SUPPORT_JSON_FENCED, 52), request: JSON_SCHEMA, want: { pass: false, failing: ['json'] } },
  { name: 'renamed keys fail json_keys', primary: text('{"answer":"Paris","confidence":0.9}', 12), shadow: text('{"reply":"Paris","confidence":0.9}', 12), request: JSON_OBJECT, want: { pass: false, failing: ['json_keys'] } },
  { name: 'refusal vs answer', primary, shadow: answer({ content: null, refusal: "I'm sorry, but I can't help with that request.", outputTokens: 11 }), want: { pass: false, failing: ['refusal', 'length', 'semantic'] } },
  { name: 'content_filter vs answer', primary, shadow: answer({ content: '', finishReason: 'content_filter', outputTokens: 0 }), want: { pass: false, failing: ['finish_reason', 'refusal', 'length', 'semantic'] } },
  { name: 'both refuse: the refusal texts are compared', primary: answer({ content: null, refusal: "I'm sorry, but I can't help with that." }), shadow: answer({ content: "I'm sorry, but I can't help with that request." }), want: { pass: true, failing: [] } },
  { name: 'truncated shadow (finish_reason length)', primary, shadow: text(REFUND.slice(0, 100), 22, { finishReason: 'length' }), want: { pass: false, failing: ['finish_reason', 'length'] } },
  { name: 'verbose shadow 3×', primary, shadow: text(`${REFUND} ${REFUND_PARAPHRASE} You can also follow the refund in your account under Orders, then Refunds, where each step is shown with its date.`, 150), want: { pass: false, failing: ['length'] } },
  { name: 'slow shadow', primary, shadow: text(REFUND, 48, { latencyMs: 2500, ttftMs: 900 }), want: { pass: false, failing: ['latency'] } },
  { name: 'same tool call, Anthropic id and key order', primary: weather({ city: 'Paris', unit: 'celsius' }), shadow: weather({ unit: 'celsius', city: 'Paris' }, 'toolu_01'), request: TOOLS, want: { pass: true, failing: [] } },
  { name: 'tool call with an extra argument', primary: weather({ city: 'Paris', unit: 'celsius' }), shadow: weather({ city: 'Paris', unit: 'celsius', days: 3 }), request: TOOLS, want: { pass: false, failing: ['tool_calls'] } },
  { name: 'limit: a tool call for another city passes (one token apart)', primary: weather({ city: 'Paris', unit: 'celsius' }), shadow: weather({ city: 'Lyon', unit: 'celsius' }), request: TOOLS, want: { pass: true, failing: [] } },
  { name: 'text instead of a tool call', primary: weather({ city: 'Paris', unit: 'celsius' }), shadow: text('It is 18°C and sunny in Paris.', 12), request: TOOLS, want: { pass: false, failing: ['tool_calls', 'finish_reason', 'semantic'] } },
];

for (const c of cases) {
  test(c.name, () => {
    const options: ParityOptions = { ...OPTIONS, ...c.options };
    const v = scorePair(c.primary, c.shadow, c.request ?? TEXT, options);
    const semantic = v.checks.find((r) => r.check === 'semantic');
    const why = v.checks.map((r) => `${r.check}: ${r.detail}`).join('\n');
    assert.deepEqual({ pass: v.pass, failing: v.failing }, { pass: c.want.pass, failing: c.want.failing }, why);
    assert.deepEqual(v.failing, v.checks.filter((r) => !r.pass).map((r) => r.check));
    assert.equal(semantic?.score, v.similarity);
    if (c.want.floorSource !== undefined) assert.equal(v.floorSource, c.want.floorSource);
    if (c.want.semantic !== undefined) assert.ok(semantic?.detail.includes(c.want.semantic), semantic?.detail);
  });
}

test('only applicable checks are listed', () => {
  const v = scorePair(primary, text(REFUND, 48), TEXT, OPTIONS);
  assert.deepEqual(v.checks.map((r) => r.check), ['finish_reason', 'refusal', 'length', 'latency', 'semantic']);
  const j = scorePair(text(SUPPORT_JSON, 40), text(SUPPORT_JSON, 40), JSON_SCHEMA, OPTIONS);
  assert.deepEqual(j.checks.map((r) => r.check), ['json', 'schema', 'finish_reason', 'refusal', 'length', 'latency', 'semantic']);
});

test('the semantic floor is the learnt one once there are enough twins', () => {
  const baseline = noiseBaseline(Array.from({ length: 30 }, (_, i) => 0.7 + (i % 5) * 0.02));
  const v = scorePair(primary, text(REFUND_REWORDED, 50), TEXT, { ...OPTIONS, noise: baseline });
  assert.equal(v.floorSource, 'noise');
  assert.equal(v.semanticFloor, baseline.floor);
});
