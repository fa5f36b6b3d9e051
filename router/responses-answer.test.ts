import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatCompletion, ResponsesAnswer, ResponsesRequest } from '../schemas/index.ts';
import { ResponseIds, responsesAnswerOf } from './responses-answer.ts';

const requestId = '0b6e4c1a-9f2d-4e7b-8c3a-5d6e7f8a9b0c';
const hex = '0b6e4c1a9f2d4e7b8c3a5d6e7f8a9b0c';
const createdAt = 1_763_769_600;
const bare: ResponsesRequest = { model: 'support', input: 'Hello' };

function completion(message: ChatCompletion['choices'][number]['message'], finish: ChatCompletion['choices'][number]['finish_reason'], usage?: ChatCompletion['usage'] & Record<string, unknown>): ChatCompletion {
  return { id: 'chatcmpl-1', object: 'chat.completion', created: 1741570283, model: 'gpt-4.1', choices: [{ index: 0, message, finish_reason: finish }], ...(usage === undefined ? {} : { usage }) };
}

const answer = (c: ChatCompletion, request: ResponsesRequest = bare): ResponsesAnswer => responsesAnswerOf(c, request, new ResponseIds(requestId), createdAt);

const text = (t: string) => ({ type: 'output_text', text: t, annotations: [], logprobs: [] });

const cases: { name: string; completion: ChatCompletion; output: unknown[]; status: string; incomplete: unknown }[] = [
  {
    name: 'text: one completed message item',
    completion: completion({ role: 'assistant', content: 'Hi there' }, 'stop'),
    output: [{ type: 'message', id: `msg_${hex}_0`, status: 'completed', role: 'assistant', content: [text('Hi there')] }],
    status: 'completed',
    incomplete: null,
  },
  {
    name: 'text and tool calls: the message, then one function_call item per call, call ids as the upstream gave them',
    completion: completion(
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
          { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } },
        ],
      },
      'tool_calls',
    ),
    output: [
      { type: 'message', id: `msg_${hex}_0`, status: 'completed', role: 'assistant', content: [text('Checking.')] },
      { type: 'function_call', id: `fc_${hex}_1`, call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Oslo"}', status: 'completed' },
      { type: 'function_call', id: `fc_${hex}_2`, call_id: 'call_b', name: 'get_time', arguments: '', status: 'completed' },
    ],
    status: 'completed',
    incomplete: null,
  },
  {
    name: 'a refusal is a refusal part',
    completion: completion({ role: 'assistant', content: null, refusal: "I can't help with that." }, 'stop'),
    output: [{ type: 'message', id: `msg_${hex}_0`, status: 'completed', role: 'assistant', content: [{ type: 'refusal', refusal: "I can't help with that." }] }],
    status: 'completed',
    incomplete: null,
  },
  {
    name: 'a length cut: incomplete, max_output_tokens, the item incomplete too',
    completion: completion({ role: 'assistant', content: 'Once upon' }, 'length'),
    output: [{ type: 'message', id: `msg_${hex}_0`, status: 'incomplete', role: 'assistant', content: [text('Once upon')] }],
    status: 'incomplete',
    incomplete: { reason: 'max_output_tokens' },
  },
  {
    name: 'a content filter: incomplete, content_filter',
    completion: completion({ role: 'assistant', content: '' }, 'content_filter'),
    output: [],
    status: 'incomplete',
    incomplete: { reason: 'content_filter' },
  },
  {
    name: 'an empty answer: no output items',
    completion: completion({ role: 'assistant', content: null }, 'stop'),
    output: [],
    status: 'completed',
    incomplete: null,
  },
];

for (const c of cases) {
  test(`answer: ${c.name}`, () => {
    const a = answer(c.completion);
    assert.deepEqual(a.output, c.output);
    assert.equal(a.status, c.status);
    assert.deepEqual(a.incomplete_details, c.incomplete);
  });
}

test('answer: ids, model, created_at and usage with its details', () => {
  const a = answer(
    completion({ role: 'assistant', content: 'Hi' }, 'stop', {
      prompt_tokens: 120,
      completion_tokens: 30,
      total_tokens: 150,
      prompt_tokens_details: { cached_tokens: 100 },
      completion_tokens_details: { reasoning_tokens: 12 },
    }),
  );
  assert.equal(a.id, `resp_${hex}`);
  assert.equal(a.object, 'response');
  assert.equal(a.model, 'gpt-4.1');
  assert.equal(a.created_at, createdAt, 'when warmpath took the request, not the upstream clock');
  assert.deepEqual(a.usage, { input_tokens: 120, input_tokens_details: { cached_tokens: 100 }, output_tokens: 30, output_tokens_details: { reasoning_tokens: 12 }, total_tokens: 150 });
  assert.deepEqual(answer(completion({ role: 'assistant', content: 'Hi' }, 'stop')).usage?.total_tokens, 0, 'no usage reported: zeros');
});

test("answer: the request's settings echoed, defaults where it set none", () => {
  const tools = [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object' } }];
  const format = { type: 'json_schema' as const, name: 'city', schema: { type: 'object' } };
  const echoed = answer(completion({ role: 'assistant', content: '{}' }, 'stop'), {
    ...bare,
    instructions: 'Be brief.',
    max_output_tokens: 64,
    temperature: 0.2,
    top_p: 0.5,
    tools,
    tool_choice: 'required',
    parallel_tool_calls: false,
    text: { format, verbosity: 'low' },
    reasoning: { effort: 'low', summary: 'auto' },
    metadata: { ticket: 'T-1' },
    user: 'u-1',
    store: true,
  });
  const { id: _id, created_at: _c, output: _o, usage: _u, status: _s, incomplete_details: _i, model: _m, ...settings } = echoed;
  assert.deepEqual(settings, {
    object: 'response',
    background: false,
    error: null,
    instructions: 'Be brief.',
    max_output_tokens: 64,
    metadata: { ticket: 'T-1' },
    parallel_tool_calls: false,
    previous_response_id: null,
    reasoning: { effort: 'low', summary: null },
    store: false,
    temperature: 0.2,
    text: { format, verbosity: 'low' },
    tool_choice: 'required',
    tools,
    top_p: 0.5,
    truncation: 'disabled',
    user: 'u-1',
  });
  const defaults = answer(completion({ role: 'assistant', content: 'Hi' }, 'stop'));
  assert.equal(defaults.instructions, null);
  assert.deepEqual(defaults.text, { format: { type: 'text' } });
  assert.equal(defaults.tool_choice, 'auto');
  assert.deepEqual(defaults.tools, []);
  assert.equal(defaults.parallel_tool_calls, true);
  assert.deepEqual(defaults.metadata, {});
});
