import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatCompletion, ExchangeRequestContent } from '../schemas/index.ts';
import { JUDGE_MAX_ANSWER_CHARS, JUDGE_MAX_REQUEST_CHARS, judgeRequest, parseJudgeAnswer, requestText } from './judge-prompt.ts';

const request: ExchangeRequestContent = {
  messages: [
    { role: 'system', content: 'You are a support agent for Acme.' },
    { role: 'user', content: [{ type: 'text', text: 'Where is my refund?' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
  ],
  response_format: { type: 'json_object' },
  tools: [{ type: 'function', function: { name: 'lookup_order' } }],
};

test('the judge request: rubric in the system message, request and both answers labelled, json_schema verdict, temperature 0', () => {
  const r = judgeRequest('Same refund amount and date.', request, 'Refund of $42 issued.', 'We refunded $42.');
  assert.equal(r.messages.length, 2);
  assert.match(String(r.messages[0]?.content), /Rubric: Same refund amount and date\./);
  const user = String(r.messages[1]?.content);
  assert.match(user, /<request>\n\[system\]\nYou are a support agent for Acme\.\n\n\[user\]\nWhere is my refund\?\[image_url\]/);
  assert.match(user, /\[response format: json_object\]/);
  assert.match(user, /\[tools offered: lookup_order\]/);
  assert.match(user, /<reference_answer>\nRefund of \$42 issued\.\n<\/reference_answer>/);
  assert.match(user, /<candidate_answer>\nWe refunded \$42\.\n<\/candidate_answer>/);
  assert.equal(r.temperature, 0);
  assert.equal(r.response_format?.type, 'json_schema');
  const schema = (r.response_format as unknown as { json_schema: { schema: { required: string[] } } }).json_schema.schema;
  assert.deepEqual(schema.required, ['equivalent', 'reason']);
});

test('long answers and requests are cut, and the cut is marked', () => {
  const long = 'x'.repeat(JUDGE_MAX_ANSWER_CHARS + 10);
  const user = String(judgeRequest('r', undefined, long, 'short').messages[1]?.content);
  assert.match(user, /\[… 10 more characters cut\]/);
  assert.match(user, /\(the request was not stored\)/);
  const text = requestText({ messages: [{ role: 'user', content: 'old '.repeat(5000) }, { role: 'user', content: 'newest question' }] });
  assert.ok(text.length <= JUDGE_MAX_REQUEST_CHARS + 40);
  assert.match(text, /^\[… earlier messages cut\]/);
  assert.match(text, /newest question$/);
});

const completion = (content: string | null, refusal?: string): ChatCompletion => ({
  id: 'chatcmpl-judge',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'judge-model',
  choices: [{ index: 0, message: { role: 'assistant', content, ...(refusal === undefined ? {} : { refusal }) }, finish_reason: 'stop' }],
});

const answers: { name: string; completion: ChatCompletion; want: ReturnType<typeof parseJudgeAnswer> }[] = [
  { name: 'equivalent', completion: completion('{"equivalent": true, "reason": " Same facts. "}'), want: { ok: true, equivalent: true, reason: 'Same facts.' } },
  { name: 'not equivalent', completion: completion('{"equivalent": false, "reason": "Different date."}'), want: { ok: true, equivalent: false, reason: 'Different date.' } },
  { name: 'fenced JSON (Anthropic without structured output)', completion: completion('```json\n{"equivalent": false, "reason": "x"}\n```'), want: { ok: true, equivalent: false, reason: 'x' } },
  { name: 'no reason', completion: completion('{"equivalent": true}'), want: { ok: true, equivalent: true, reason: '' } },
  { name: 'equivalent as a string', completion: completion('{"equivalent": "yes", "reason": "x"}'), want: { ok: false, problem: 'answer has no boolean "equivalent"' } },
  { name: 'prose', completion: completion('They are the same.'), want: { ok: false, problem: 'answer is not JSON: They are the same.' } },
  { name: 'an array', completion: completion('[true]'), want: { ok: false, problem: 'answer is not a JSON object' } },
  { name: 'empty', completion: completion(null), want: { ok: false, problem: 'answer is empty' } },
  { name: 'a refusal', completion: completion(null, 'I cannot compare these.'), want: { ok: false, problem: 'judge refused: I cannot compare these.' } },
  { name: 'no choices', completion: { ...completion('{}'), choices: [] }, want: { ok: false, problem: 'answer has no message' } },
];
for (const c of answers) {
  test(`judge answer: ${c.name}`, () => assert.deepEqual(parseJudgeAnswer(c.completion), c.want));
}
