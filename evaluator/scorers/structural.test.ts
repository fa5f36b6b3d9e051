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
import {
  finishReasonCheck,
  jsonCheck,
  jsonKeysCheck,
  latencyCheck,
  lengthCheck,
  refusalCheck,
  schemaCheck,
  type StructuralCheck,
  toolCallsCheck,
  ttftCheck,
} from './structural.ts';
import type { Answer, PairRequest, ParityOptions } from './types.ts';

interface Case {
  readonly name: string;
  readonly check: StructuralCheck;
  readonly primary: Answer;
  readonly shadow: Answer;
  readonly request?: PairRequest;
  /** undefined: not applicable; else pass and a substring of the detail. */
  readonly options?: Partial<ParityOptions>;
  readonly want: { readonly pass: boolean; readonly detail: string } | undefined;
}

const json = (v: unknown): Answer => answer({ content: JSON.stringify(v) });
const support = answer({ content: SUPPORT_JSON });
const weather = (args: unknown, id?: string): Answer => toolAnswer([call('get_weather', args, id)]);
const paris = { city: 'Paris', unit: 'celsius' };
const schemaWith = (schema: Record<string, unknown>): PairRequest => ({
  responseFormat: { type: 'json_schema', json_schema: { name: 'x', schema } },
  tools: undefined,
});

const cases: readonly Case[] = [
  // json
  { name: 'json: OpenAI json_schema answer vs Anthropic fenced answer fails', check: jsonCheck, primary: support, shadow: answer({ content: SUPPORT_JSON_FENCED }), request: JSON_SCHEMA, want: { pass: false, detail: 'wrapped in a ``` fence' } },
  { name: 'json: both parse', check: jsonCheck, primary: support, shadow: answer({ content: ` ${SUPPORT_JSON}\n` }), request: JSON_OBJECT, want: { pass: true, detail: 'parses' } },
  { name: 'json: prose around the object fails', check: jsonCheck, primary: support, shadow: answer({ content: `Here is the JSON: ${SUPPORT_JSON}` }), request: JSON_OBJECT, want: { pass: false, detail: 'not JSON' } },
  { name: 'json: shadow with no content fails', check: jsonCheck, primary: support, shadow: answer({ content: null, refusal: 'I can’t help with that.' }), request: JSON_OBJECT, want: { pass: false, detail: 'content is empty' } },
  { name: 'json: primary not JSON is not applicable', check: jsonCheck, primary: answer({ content: 'Sure! {"a": 1}' }), shadow: support, request: JSON_OBJECT, want: undefined },
  { name: 'json: text request is not applicable', check: jsonCheck, primary: support, shadow: answer({ content: 'plain' }), request: TEXT, want: undefined },
  // schema
  { name: 'schema: valid answer passes', check: schemaCheck, primary: support, shadow: json({ answer: 'Refund sent March 3.', confidence: 0.8, category: 'billing' }), request: JSON_SCHEMA, want: { pass: true, detail: 'validates' } },
  { name: 'schema: missing required property', check: schemaCheck, primary: support, shadow: json({ answer: 'Refund sent.', category: 'billing' }), request: JSON_SCHEMA, want: { pass: false, detail: "must have required property 'confidence'" } },
  { name: 'schema: value outside the enum', check: schemaCheck, primary: support, shadow: json({ answer: 'Refund sent.', confidence: 0.8, category: 'Billing' }), request: JSON_SCHEMA, want: { pass: false, detail: '/category must be equal to one of the allowed values' } },
  { name: 'schema: extra property with additionalProperties false', check: schemaCheck, primary: support, shadow: json({ answer: 'x', confidence: 1, category: 'other', notes: '' }), request: JSON_SCHEMA, want: { pass: false, detail: '(notes)' } },
  { name: 'schema: number out of range', check: schemaCheck, primary: support, shadow: json({ answer: 'x', confidence: 92, category: 'other' }), request: JSON_SCHEMA, want: { pass: false, detail: '/confidence must be <= 1' } },
  { name: 'schema: fenced shadow is left to the json check', check: schemaCheck, primary: support, shadow: answer({ content: SUPPORT_JSON_FENCED }), request: JSON_SCHEMA, want: undefined },
  { name: 'schema: json_object has no schema', check: schemaCheck, primary: support, shadow: support, request: JSON_OBJECT, want: undefined },
  { name: 'schema: a schema ajv cannot compile is not applicable', check: schemaCheck, primary: support, shadow: support, request: schemaWith({ type: 'nonsense' }), want: undefined },
  { name: 'schema: a declared 2020-12 $schema still validates', check: schemaCheck, primary: support, shadow: json({ n: 'x' }), request: schemaWith({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { n: { type: 'integer' } } }), want: { pass: false, detail: '/n must be integer' } },
  // json_keys
  { name: 'json_keys: renamed key fails', check: jsonKeysCheck, primary: json({ answer: 'Paris' }), shadow: json({ reply: 'Paris' }), request: JSON_OBJECT, want: { pass: false, detail: 'missing answer; extra reply' } },
  { name: 'json_keys: same keys in another order pass', check: jsonKeysCheck, primary: json({ a: 1, b: 'x', c: null }), shadow: json({ c: null, b: 'y', a: 2 }), request: JSON_OBJECT, want: { pass: true, detail: 'same 3 keys' } },
  { name: 'json_keys: value type changed', check: jsonKeysCheck, primary: json({ answer: 'x', confidence: 0.9 }), shadow: json({ answer: 'x', confidence: '0.9' }), request: JSON_OBJECT, want: { pass: false, detail: 'type confidence number→string' } },
  { name: 'json_keys: array vs object', check: jsonKeysCheck, primary: json({ items: [] }), shadow: json([{ items: [] }]), request: JSON_OBJECT, want: { pass: false, detail: 'top-level object vs array' } },
  { name: 'json_keys: nested differences are not its business', check: jsonKeysCheck, primary: json({ user: { name: 'a' } }), shadow: json({ user: { login: 'a' } }), request: JSON_OBJECT, want: { pass: true, detail: 'same 1 keys' } },
  { name: 'json_keys: a schema was given', check: jsonKeysCheck, primary: json({ answer: 'x' }), shadow: json({ reply: 'x' }), request: JSON_SCHEMA, want: undefined },
  { name: 'json_keys: shadow not JSON is left to the json check', check: jsonKeysCheck, primary: support, shadow: answer({ content: SUPPORT_JSON_FENCED }), request: JSON_OBJECT, want: undefined },
  // tool_calls
  { name: 'tool_calls: OpenAI vs Anthropic ids, same call', check: toolCallsCheck, primary: weather(paris), shadow: weather({ unit: 'celsius', city: 'Paris' }, 'toolu_01A09q90qw90lq917835lq9'), request: TOOLS, want: { pass: true, detail: 'same 1 tool calls' } },
  { name: 'tool_calls: extra argument', check: toolCallsCheck, primary: weather(paris), shadow: weather({ ...paris, days: 3 }), request: TOOLS, want: { pass: false, detail: 'get_weather arguments: / must NOT have additional properties (days)' } },
  { name: 'tool_calls: missing argument', check: toolCallsCheck, primary: weather(paris), shadow: weather({ city: 'Paris' }), request: TOOLS, want: { pass: false, detail: "must have required property 'unit'" } },
  { name: 'tool_calls: argument outside the enum', check: toolCallsCheck, primary: weather(paris), shadow: weather({ city: 'Paris', unit: 'C' }), request: TOOLS, want: { pass: false, detail: '/unit must be equal to one of the allowed values' } },
  { name: 'tool_calls: arguments not JSON', check: toolCallsCheck, primary: weather(paris), shadow: weather('{"city": "Paris", "unit": "celsius"'), request: TOOLS, want: { pass: false, detail: 'get_weather arguments are not JSON' } },
  { name: 'tool_calls: other tool', check: toolCallsCheck, primary: weather(paris), shadow: toolAnswer([call('search_web', { query: 'weather Paris' })]), request: TOOLS, want: { pass: false, detail: 'missing get_weather; extra search_web' } },
  { name: 'tool_calls: parallel calls vs one', check: toolCallsCheck, primary: toolAnswer([call('get_weather', paris), call('get_weather', { city: 'Rome', unit: 'celsius' })]), shadow: weather(paris), request: TOOLS, want: { pass: false, detail: '2 tool calls vs 1; missing get_weather' } },
  { name: 'tool_calls: shadow answers in text instead', check: toolCallsCheck, primary: weather(paris), shadow: answer({ content: 'It is 18°C in Paris.' }), request: TOOLS, want: { pass: false, detail: '1 tool calls vs 0' } },
  { name: 'tool_calls: undeclared tool on both sides', check: toolCallsCheck, primary: toolAnswer([call('lookup', {})]), shadow: toolAnswer([call('lookup', {})]), request: TOOLS, want: { pass: false, detail: 'lookup is not a declared tool' } },
  { name: 'tool_calls: tools given, both answer in text', check: toolCallsCheck, primary: answer(), shadow: answer(), request: TOOLS, want: { pass: true, detail: 'no tool calls' } },
  { name: 'tool_calls: no tools anywhere', check: toolCallsCheck, primary: answer(), shadow: answer(), request: TEXT, want: undefined },
  // finish_reason
  { name: 'finish_reason: stop vs stop', check: finishReasonCheck, primary: answer(), shadow: answer(), want: { pass: true, detail: 'both stop' } },
  { name: 'finish_reason: truncated shadow', check: finishReasonCheck, primary: answer(), shadow: answer({ finishReason: 'length' }), want: { pass: false, detail: 'primary stop, shadow length' } },
  { name: 'finish_reason: function_call is tool_calls', check: finishReasonCheck, primary: answer({ finishReason: 'tool_calls' }), shadow: answer({ finishReason: 'function_call' }), want: { pass: true, detail: 'both tool_calls' } },
  { name: 'finish_reason: untranslated Anthropic end_turn is stop', check: finishReasonCheck, primary: answer(), shadow: answer({ finishReason: 'end_turn' }), want: { pass: true, detail: 'both stop' } },
  { name: 'finish_reason: null and unknown are other', check: finishReasonCheck, primary: answer({ finishReason: null }), shadow: answer({ finishReason: 'eos' }), want: { pass: true, detail: 'both other' } },
  { name: 'finish_reason: content_filter', check: finishReasonCheck, primary: answer(), shadow: answer({ finishReason: 'content_filter' }), want: { pass: false, detail: 'shadow content_filter' } },
  // refusal
  { name: 'refusal: OpenAI refusal field vs answer', check: refusalCheck, primary: answer({ content: 'Here is how to pick a strong password: …' }), shadow: answer({ content: null, refusal: "I'm sorry, I can't assist with that." }), want: { pass: false, detail: 'shadow refused (refusal field), primary answered' } },
  { name: 'refusal: content_filter vs answer', check: refusalCheck, primary: answer({ content: '', finishReason: 'content_filter' }), shadow: answer({ content: 'The story continues…' }), want: { pass: false, detail: 'primary refused (content_filter)' } },
  { name: 'refusal: Claude phrasing vs answer', check: refusalCheck, primary: answer({ content: 'Sure, here is a summary of the article.' }), shadow: answer({ content: "I can't help with summarising that article, as it appears to contain personal data." }), want: { pass: false, detail: 'shadow refused (refusal phrasing)' } },
  { name: 'refusal: both refuse', check: refusalCheck, primary: answer({ content: null, refusal: 'I cannot assist with that.' }), shadow: answer({ content: "I'm sorry, but I can't help with that." }), want: { pass: true, detail: 'both refused' } },
  { name: 'refusal: enthusiasm is not refusal', check: refusalCheck, primary: answer({ content: "I can't wait to help! Here's the plan." }), shadow: answer({ content: 'Happy to help! Here is the plan.' }), want: { pass: true, detail: 'neither refused' } },
  // length
  { name: 'length: similar token counts', check: lengthCheck, primary: answer({ outputTokens: 120 }), shadow: answer({ outputTokens: 150 }), want: { pass: true, detail: 'length ratio 1.25 (150/120 tokens) within [0.5, 2]' } },
  { name: 'length: verbose shadow 3×', check: lengthCheck, primary: answer({ outputTokens: 100 }), shadow: answer({ outputTokens: 300 }), want: { pass: false, detail: 'length ratio 3.00 (300/100 tokens) outside' } },
  { name: 'length: truncated shadow', check: lengthCheck, primary: answer({ outputTokens: 400 }), shadow: answer({ outputTokens: 100, finishReason: 'length' }), want: { pass: false, detail: 'ratio 0.25' } },
  { name: 'length: characters when tokens are unknown', check: lengthCheck, primary: answer({ content: 'abcd' }), shadow: answer({ content: 'abcdefgh', outputTokens: 3 }), want: { pass: true, detail: '(8/4 chars)' } },
  { name: 'length: both empty', check: lengthCheck, primary: answer({ content: '' }), shadow: answer({ content: null }), want: { pass: true, detail: 'both empty' } },
  { name: 'length: primary empty', check: lengthCheck, primary: answer({ content: '' }), shadow: answer({ content: 'text' }), want: { pass: false, detail: 'primary empty, shadow 4 chars' } },
  { name: 'length: tool calls answer', check: lengthCheck, primary: weather(paris), shadow: weather(paris), want: undefined },
  // latency and ttft
  { name: 'latency: 1.5× within 2', check: latencyCheck, primary: answer({ latencyMs: 800 }), shadow: answer({ latencyMs: 1200 }), want: { pass: true, detail: 'ratio 1.50 ≤ 2' } },
  { name: 'latency: 3× over 2', check: latencyCheck, primary: answer({ latencyMs: 500 }), shadow: answer({ latencyMs: 1500 }), want: { pass: false, detail: 'ratio 3.00 > 2' } },
  { name: 'latency: a primary under 25 ms counts as 25 ms (scheduling, not the provider)', check: latencyCheck, primary: answer({ latencyMs: 0.4 }), shadow: answer({ latencyMs: 4 }), want: { pass: true, detail: 'latency 4 ms vs 0 ms, ratio 0.16 ≤ 2' } },
  { name: 'latency: a shadow well past the floor still fails a fast primary', check: latencyCheck, primary: answer({ latencyMs: 0.4 }), shadow: answer({ latencyMs: 80 }), want: { pass: false, detail: 'ratio 3.20 > 2' } },
  { name: 'latency: a fast paired primary does not fail a shadow as fast as the primary usually is', check: latencyCheck, primary: answer({ latencyMs: 60 }), shadow: answer({ latencyMs: 300 }), options: { primaryTypical: { latencyMs: 250, ttftMs: undefined } }, want: { pass: true, detail: 'latency 300 ms vs primary median 250 ms, ratio 1.20' } },
  { name: 'latency: slower than 2× the primary median fails', check: latencyCheck, primary: answer({ latencyMs: 900 }), shadow: answer({ latencyMs: 600 }), options: { primaryTypical: { latencyMs: 250, ttftMs: undefined } }, want: { pass: false, detail: 'ratio 2.40 > 2' } },
  { name: 'ttft: compared with the primary median TTFT when known', check: ttftCheck, primary: answer({ ttftMs: 20 }), shadow: answer({ ttftMs: 90 }), options: { primaryTypical: { latencyMs: undefined, ttftMs: 80 } }, want: { pass: true, detail: 'ttft 90 ms vs primary median 80 ms' } },
  { name: 'ttft: only one side streamed', check: ttftCheck, primary: answer({ ttftMs: 200 }), shadow: answer({ ttftMs: null }), want: undefined },
  { name: 'ttft: 4× slower first token', check: ttftCheck, primary: answer({ ttftMs: 150 }), shadow: answer({ ttftMs: 600 }), want: { pass: false, detail: 'ttft 600 ms vs 150 ms, ratio 4.00 > 2' } },
];

for (const c of cases) {
  test(c.name, () => {
    const got = c.check(c.primary, c.shadow, c.request ?? TEXT, { ...OPTIONS, ...c.options });
    if (c.want === undefined) {
      assert.equal(got, undefined);
      return;
    }
    assert.ok(got !== undefined, 'check should apply');
    assert.equal(got.pass, c.want.pass, got.detail);
    assert.ok(got.detail.includes(c.want.detail), `detail ${JSON.stringify(got.detail)} lacks ${JSON.stringify(c.want.detail)}`);
    assert.ok(got.score >= 0 && got.score <= 1);
  });
}
