import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatCompletion, FinishReason, MessagesAnswer, MessagesErrorBody, MessagesStopReason, OpenAIErrorBody } from '../schemas/index.ts';
import { messageId, messagesAnswerOf, messagesErrorOf, messagesErrorType, stopReasonOf } from './messages-answer.ts';

const id = 'msg_0b6e4c1a9f2d4e7b8c3a5d6e7f8a9b0c';

/** A one-choice completion; `message` and `fields` override its parts. */
function completion(message: Partial<ChatCompletion['choices'][number]['message']>, fields: Partial<ChatCompletion> = {}, finish: FinishReason | null = 'stop'): ChatCompletion {
  return {
    id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    object: 'chat.completion',
    created: 1741569952,
    model: 'gpt-4.1-2025-04-14',
    choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, ...message }, finish_reason: finish, logprobs: null }],
    usage: { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 },
    ...fields,
  };
}

/** The answer for `completion`, with `fields` overriding. */
function answer(fields: Partial<MessagesAnswer>): MessagesAnswer {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: 'gpt-4.1-2025-04-14',
    content: [],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 19, output_tokens: 10 },
    ...fields,
  };
}

test('messageId: msg_ and the request id without dashes', () => {
  assert.equal(messageId('0b6e4c1a-9f2d-4e7b-8c3a-5d6e7f8a9b0c'), id);
});

const stopReasonCases: { finish: FinishReason | null; want: MessagesStopReason | null }[] = [
  { finish: 'stop', want: 'end_turn' },
  { finish: 'length', want: 'max_tokens' },
  { finish: 'tool_calls', want: 'tool_use' },
  { finish: 'function_call', want: 'tool_use' },
  { finish: 'content_filter', want: 'refusal' },
  { finish: null, want: null },
];

for (const c of stopReasonCases) {
  test(`stopReasonOf: ${c.finish} → ${c.want}`, () => {
    assert.equal(stopReasonOf(c.finish), c.want);
  });
}

const answerCases: { name: string; completion: ChatCompletion; stopSequence?: string; want: MessagesAnswer }[] = [
  {
    name: 'text answer',
    completion: completion({ content: 'Hello! How can I help?' }),
    want: answer({ content: [{ type: 'text', text: 'Hello! How can I help?' }] }),
  },
  {
    name: 'empty content gives no block',
    completion: completion({ content: '' }),
    want: answer({}),
  },
  {
    name: 'text and two tool calls: arguments parsed into input, empty arguments are {}',
    completion: completion(
      {
        content: 'Let me check.',
        tool_calls: [
          { id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' } },
          { id: 'call_Y0Bf5RhmDcqhyhN3sQ2oqVqO', type: 'function', function: { name: 'now', arguments: '' } },
        ],
      },
      {},
      'tool_calls',
    ),
    want: answer({
      content: [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', input: { city: 'Paris', unit: 'c' } },
        { type: 'tool_use', id: 'call_Y0Bf5RhmDcqhyhN3sQ2oqVqO', name: 'now', input: {} },
      ],
      stop_reason: 'tool_use',
    }),
  },
  {
    name: 'tool call arguments that are not JSON reach the client as the raw string',
    completion: completion({ tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Par' } }] }, {}, 'tool_calls'),
    want: answer({ content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: '{"city": "Par' }], stop_reason: 'tool_use' }),
  },
  {
    name: 'a refusal becomes a text block and stop_reason refusal',
    completion: completion({ content: null, refusal: "I'm sorry, I can't help with that." }),
    want: answer({ content: [{ type: 'text', text: "I'm sorry, I can't help with that." }], stop_reason: 'refusal' }),
  },
  {
    name: 'an empty refusal is no refusal',
    completion: completion({ content: 'Fine.', refusal: '' }),
    want: answer({ content: [{ type: 'text', text: 'Fine.' }] }),
  },
  {
    name: 'content_filter is a refusal',
    completion: completion({ content: null }, {}, 'content_filter'),
    want: answer({ stop_reason: 'refusal' }),
  },
  {
    name: 'length is max_tokens',
    completion: completion({ content: 'Once upon a' }, {}, 'length'),
    want: answer({ content: [{ type: 'text', text: 'Once upon a' }], stop_reason: 'max_tokens' }),
  },
  {
    name: 'no usage gives zero tokens',
    completion: (() => {
      const { usage, ...rest } = completion({ content: 'Hi' });
      return rest as ChatCompletion;
    })(),
    want: answer({ content: [{ type: 'text', text: 'Hi' }], usage: { input_tokens: 0, output_tokens: 0 } }),
  },
  {
    name: 'a stop sequence the upstream named',
    completion: completion({ content: 'Paris' }),
    stopSequence: '</answer>',
    want: answer({ content: [{ type: 'text', text: 'Paris' }], stop_reason: 'stop_sequence', stop_sequence: '</answer>' }),
  },
  {
    name: 'a stop sequence beside max_tokens: max_tokens',
    completion: completion({ content: 'Once upon a' }, {}, 'length'),
    stopSequence: 'END',
    want: answer({ content: [{ type: 'text', text: 'Once upon a' }], stop_reason: 'max_tokens' }),
  },
  {
    name: 'a stop sequence beside a refusal: refusal',
    completion: completion({ refusal: 'I cannot help with that.' }),
    stopSequence: 'END',
    want: answer({ content: [{ type: 'text', text: 'I cannot help with that.' }], stop_reason: 'refusal' }),
  },
  {
    name: 'no choices: no content, no stop reason',
    completion: completion({}, { choices: [], model: 'other-model' }),
    want: answer({ model: 'other-model', stop_reason: null }),
  },
];

for (const c of answerCases) {
  test(`messagesAnswerOf: ${c.name}`, () => {
    assert.deepEqual(messagesAnswerOf(c.completion, id, c.stopSequence), c.want);
  });
}

const errorTypeCases: { status: number; want: string }[] = [
  { status: 400, want: 'invalid_request_error' },
  { status: 401, want: 'authentication_error' },
  { status: 402, want: 'billing_error' },
  { status: 403, want: 'permission_error' },
  { status: 404, want: 'not_found_error' },
  { status: 413, want: 'request_too_large' },
  { status: 429, want: 'rate_limit_error' },
  { status: 503, want: 'overloaded_error' },
  { status: 529, want: 'overloaded_error' },
  { status: 504, want: 'timeout_error' },
  { status: 409, want: 'invalid_request_error' },
  { status: 415, want: 'invalid_request_error' },
  { status: 499, want: 'invalid_request_error' },
  { status: 500, want: 'api_error' },
  { status: 502, want: 'api_error' },
  { status: 507, want: 'api_error' },
  { status: 200, want: 'api_error' },
];

for (const c of errorTypeCases) {
  test(`messagesErrorType: ${c.status} → ${c.want}`, () => {
    assert.equal(messagesErrorType(c.status), c.want);
  });
}

function openAIError(message: string, code: string | null): OpenAIErrorBody {
  return { error: { message, type: 'invalid_request_error', param: 'messages.0.content.0.type', code } };
}

const errorCases: { name: string; status: number; body: OpenAIErrorBody; requestId?: string; want: MessagesErrorBody }[] = [
  {
    name: "warmpath's own error keeps its code and the request id",
    status: 400,
    body: openAIError('not supported through warmpath: top_k cannot be routed', 'REQ_UNSUPPORTED'),
    requestId: '0b6e4c1a-9f2d-4e7b-8c3a-5d6e7f8a9b0c',
    want: {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'not supported through warmpath: top_k cannot be routed', code: 'REQ_UNSUPPORTED' },
      request_id: '0b6e4c1a-9f2d-4e7b-8c3a-5d6e7f8a9b0c',
    },
  },
  {
    name: 'a null code and no request id leave both out',
    status: 503,
    body: openAIError('circuit breaker open', null),
    want: { type: 'error', error: { type: 'overloaded_error', message: 'circuit breaker open' } },
  },
];

for (const c of errorCases) {
  test(`messagesErrorOf: ${c.name}`, () => {
    // Strict deepEqual also refuses `code: undefined` where the code must be absent.
    assert.deepEqual(messagesErrorOf(c.status, c.body, c.requestId), c.want);
  });
}
