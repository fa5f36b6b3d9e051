import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, ErrorClass, FinishReason } from '../schemas/index.ts';
import { toolResultError } from '../schemas/index.ts';
import { anthropicAdapter } from './anthropic.ts';
import { UpstreamStreamError } from './types.ts';
import type { SseMessage, StreamEvent, UpstreamFailure, UpstreamRequest, UpstreamTarget } from './types.ts';

const target: UpstreamTarget = {
  baseUrl: 'https://api.anthropic.com',
  apiKey: 'sk-ant-test',
  headers: {},
  anthropicVersion: '2023-06-01',
};

function upstreamBody(request: ChatRequest, stream = false): Record<string, unknown> {
  const out = anthropicAdapter.toUpstream(request, 'claude-sonnet-4-5', stream, target);
  assert.ok('url' in out, `expected a request, got failure: ${'message' in out ? out.message : ''}`);
  return JSON.parse(out.body) as Record<string, unknown>;
}

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
} as const;

/** weatherTool as Anthropic's Messages API declares it. */
const anthropicWeatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

// ---- request translation ---------------------------------------------------------------

const requestCases: { name: string; request: ChatRequest; stream?: boolean; want: Record<string, unknown> }[] = [
  {
    name: 'system and developer messages join into the top-level system prompt',
    request: {
      model: 'claude',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'Hello' },
      ],
    },
    want: {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'You are terse.\n\nAnswer in French.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    },
  },
  {
    name: 'max_tokens, then max_completion_tokens, temperature, top_p, stop string, user, stream',
    request: {
      model: 'claude',
      messages: [{ role: 'user', content: 'Hi' }],
      max_completion_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      user: 'user-42',
      seed: 7,
      logprobs: false,
      stream: true,
    },
    stream: true,
    want: {
      model: 'claude-sonnet-4-5',
      max_tokens: 300,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-42' },
      stream: true,
    },
  },
  {
    name: 'stop array becomes stop_sequences and max_tokens wins over max_completion_tokens',
    request: { model: 'claude', messages: [{ role: 'user', content: 'Hi' }], stop: ['a', 'b'], max_tokens: 10, max_completion_tokens: 20 },
    want: {
      model: 'claude-sonnet-4-5',
      max_tokens: 10,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      stop_sequences: ['a', 'b'],
    },
  },
  {
    name: 'tools, tool calls and tool results round trip',
    request: {
      model: 'claude',
      tools: [weatherTool, { type: 'function', function: { name: 'now' } }],
      tool_choice: 'auto',
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: 'Let me check.',
          tool_calls: [
            { id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_02', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_01', content: '18C, cloudy' },
        { role: 'tool', tool_call_id: 'toolu_02', content: [{ type: 'text', text: '24C, sunny' }] },
        { role: 'user', content: 'Summarise.' },
      ],
    },
    want: {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_02', name: 'get_weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01', content: '18C, cloudy' },
            { type: 'tool_result', tool_use_id: 'toolu_02', content: [{ type: 'text', text: '24C, sunny' }] },
            { type: 'text', text: 'Summarise.' },
          ],
        },
      ],
      tools: [
        anthropicWeatherTool,
        { name: 'now', input_schema: { type: 'object', properties: {} } },
      ],
      tool_choice: { type: 'auto' },
    },
  },
  {
    name: 'assistant tool call with null content and empty arguments',
    request: {
      model: 'claude',
      tools: [weatherTool],
      tool_choice: 'required',
      messages: [
        { role: 'user', content: 'Go' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_9', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
        { role: 'tool', tool_call_id: 'toolu_9', content: 'ok' },
      ],
    },
    want: {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Go' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'ok' }] },
      ],
      tools: [anthropicWeatherTool],
      tool_choice: { type: 'any' },
    },
  },
  {
    name: 'a tool message marked as an Anthropic tool error is a tool_result with is_error',
    request: {
      model: 'claude',
      messages: [
        { role: 'user', content: 'Weather in Oslo and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'city not found', [toolResultError]: true },
        { role: 'tool', tool_call_id: 'toolu_2', content: '24C' },
      ],
    },
    want: {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo and Rome?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'city not found', is_error: true },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: '24C' },
          ],
        },
      ],
    },
  },
  {
    name: 'named tool choice and parallel_tool_calls false',
    request: {
      model: 'claude',
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      messages: [{ role: 'user', content: 'Paris?' }],
    },
    want: {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Paris?' }] }],
      tools: [anthropicWeatherTool],
      tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
    },
  },
  {
    name: 'tool_choice none',
    request: { model: 'claude', tools: [weatherTool], tool_choice: 'none', messages: [{ role: 'user', content: 'Hi' }] },
    want: {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      tools: [anthropicWeatherTool],
      tool_choice: { type: 'none' },
    },
  },
  {
    name: 'images: data URL becomes base64, https URL becomes url source',
    request: {
      model: 'claude',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
          ],
        },
      ],
    },
    want: {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    },
  },
  {
    name: 'consecutive same-role messages merge so roles alternate',
    request: {
      model: 'claude',
      messages: [
        { role: 'user', content: 'one' },
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'two' },
        { role: 'assistant', content: 'a' },
        { role: 'assistant', content: [{ type: 'text', text: 'b' }] },
        { role: 'user', content: 'three' },
      ],
    },
    want: {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'be brief',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
        { role: 'user', content: [{ type: 'text', text: 'three' }] },
      ],
    },
  },
  {
    name: 'json_object appends a JSON-only instruction to the system prompt',
    request: { model: 'claude', response_format: { type: 'json_object' }, messages: [{ role: 'system', content: 'Extract.' }, { role: 'user', content: 'x' }] },
    want: {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'Extract.\n\nRespond with only a single JSON object: no prose before or after it, no code fences.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
    },
  },
  {
    name: 'json_schema puts the schema into the system prompt',
    request: {
      model: 'claude',
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'person', schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
      },
      messages: [{ role: 'user', content: 'x' }],
    },
    want: {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system:
        'Respond with only a single JSON object that conforms to this JSON Schema (person): no prose before or after it, no code fences.\n' +
        '{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
    },
  },
  {
    name: 'response_format text changes nothing',
    request: { model: 'claude', response_format: { type: 'text' }, messages: [{ role: 'user', content: 'x' }] },
    want: { model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] },
  },
];

for (const c of requestCases) {
  test(`toUpstream: ${c.name}`, () => {
    assert.deepEqual(upstreamBody(c.request, c.stream), c.want);
  });
}

const rejectCases: { name: string; request: ChatRequest; param: string; message?: string }[] = [
  {
    name: 'temperature above 1 is rejected, not clamped',
    request: { model: 'claude', temperature: 1.5, messages: [{ role: 'user', content: 'x' }] },
    param: 'temperature',
    message: "temperature 1.5 is outside Anthropic's range 0..1",
  },
  {
    name: 'tool call arguments that are not JSON',
    request: {
      model: 'claude',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"city":' } }] },
      ],
    },
    param: 'messages',
  },
  {
    name: 'tool call arguments that are JSON but not an object',
    request: {
      model: 'claude',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '[1]' } }] },
      ],
    },
    param: 'messages',
  },
  {
    name: 'image data URL of a type Anthropic does not read',
    request: { model: 'claude', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AAAA' } }] }] },
    param: 'messages',
  },
  {
    name: 'audio content part',
    request: { model: 'claude', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] },
    param: 'messages',
  },
  {
    name: 'tool message without tool_call_id',
    request: { model: 'claude', messages: [{ role: 'user', content: 'x' }, { role: 'tool', content: 'r' }] },
    param: 'messages',
  },
  {
    name: 'only a system message',
    request: { model: 'claude', messages: [{ role: 'system', content: 'x' }] },
    param: 'messages',
  },
  {
    name: 'n above 1',
    request: { model: 'claude', n: 2, messages: [{ role: 'user', content: 'x' }] },
    param: 'n',
  },
  {
    name: 'tool_choice required without tools',
    request: { model: 'claude', tool_choice: 'required', messages: [{ role: 'user', content: 'x' }] },
    param: 'tool_choice',
  },
];

for (const c of rejectCases) {
  test(`toUpstream rejects: ${c.name}`, () => {
    const out = anthropicAdapter.toUpstream(c.request, 'claude-sonnet-4-5', false, target);
    assert.ok(!('url' in out));
    assert.equal(out.errorClass, 'bad_request');
    assert.equal(out.status, 400);
    assert.equal(out.retryable, false);
    assert.equal(out.body.error.param, c.param);
    assert.equal(out.body.error.type, 'invalid_request_error');
    if (c.message !== undefined) assert.equal(out.message, c.message);
  });
}

const urlCases: { name: string; target: Partial<UpstreamTarget>; url: string; headers: Record<string, string> }[] = [
  {
    name: 'base URL without /v1, key and extra headers',
    target: { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } },
    url: 'https://api.anthropic.com/v1/messages',
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'prompt-caching-2024-07-31',
      'x-api-key': 'sk-ant-test',
    },
  },
  {
    name: 'base URL already ending in /v1/ is not doubled; no key, no x-api-key',
    target: { baseUrl: 'https://gateway.internal/anthropic/v1/', apiKey: undefined },
    url: 'https://gateway.internal/anthropic/v1/messages',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
  },
];

for (const c of urlCases) {
  test(`toUpstream: ${c.name}`, () => {
    const out = anthropicAdapter.toUpstream({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }, 'claude-sonnet-4-5', false, {
      ...target,
      ...c.target,
    }) as UpstreamRequest;
    assert.equal(out.url, c.url);
    assert.deepEqual(out.headers, c.headers);
  });
}

// ---- response translation --------------------------------------------------------------

function anthropicMessage(fields: Record<string, unknown>): string {
  return JSON.stringify({
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content: [{ type: 'text', text: 'Hello!' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 6, cache_creation_input_tokens: null, cache_read_input_tokens: null },
    ...fields,
  });
}

function withoutCreated(completion: ChatCompletion): Omit<ChatCompletion, 'created'> {
  const { created, ...rest } = completion;
  assert.equal(typeof created, 'number');
  return rest;
}

const responseCases: { name: string; body: string; want: Omit<ChatCompletion, 'created'> }[] = [
  {
    name: 'text answer',
    body: anthropicMessage({}),
    want: {
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion',
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!', refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 },
    },
  },
  {
    name: 'thinking is left out, text blocks join, tool_use becomes tool_calls, cache tokens count as prompt',
    body: anthropicMessage({
      content: [
        { type: 'thinking', thinking: 'The user wants weather.', signature: 'EqQBCgIYAhIM' },
        { type: 'text', text: 'Checking ' },
        { type: 'text', text: 'now.' },
        { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { city: 'Paris', unit: 'c' } },
      ],
      stop_reason: 'tool_use',
      usage: { input_tokens: 10, output_tokens: 40, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000 },
    }),
    want: {
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion',
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Checking now.',
            refusal: null,
            tool_calls: [
              { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' } },
            ],
          },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 1110, completion_tokens: 40, total_tokens: 1150 },
    },
  },
  {
    name: 'tool call only: content is null',
    body: anthropicMessage({ content: [{ type: 'tool_use', id: 'toolu_2', name: 'now', input: {} }], stop_reason: 'tool_use' }),
    want: {
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion',
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'toolu_2', type: 'function', function: { name: 'now', arguments: '{}' } }] },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 },
    },
  },
];

for (const c of responseCases) {
  test(`fromUpstream: ${c.name}`, () => {
    const result = anthropicAdapter.fromUpstream(200, c.body, {});
    assert.ok(result.ok);
    assert.deepEqual(withoutCreated(result.completion), c.want);
    assert.deepEqual(JSON.parse(result.json), result.completion);
  });
}

const stopReasonCases: { stopReason: string | null; want: FinishReason | null }[] = [
  { stopReason: 'end_turn', want: 'stop' },
  { stopReason: 'stop_sequence', want: 'stop' },
  { stopReason: 'pause_turn', want: 'stop' },
  { stopReason: 'max_tokens', want: 'length' },
  { stopReason: 'model_context_window_exceeded', want: 'length' },
  { stopReason: 'tool_use', want: 'tool_calls' },
  { stopReason: 'refusal', want: 'content_filter' },
  { stopReason: null, want: null },
];

for (const c of stopReasonCases) {
  test(`fromUpstream: stop_reason ${c.stopReason} → finish_reason ${c.want}`, () => {
    const result = anthropicAdapter.fromUpstream(200, anthropicMessage({ stop_reason: c.stopReason }), {});
    assert.ok(result.ok);
    assert.equal(result.completion.choices[0]?.finish_reason, c.want);
  });
}

// OpenAI's shape has no field for the matched sequence: it travels beside the completion.
const stopSequenceCases: { name: string; fields: Record<string, unknown>; want: string | undefined }[] = [
  { name: 'a matched sequence', fields: { stop_reason: 'stop_sequence', stop_sequence: '</answer>' }, want: '</answer>' },
  { name: 'an empty sequence is still the one that matched', fields: { stop_reason: 'stop_sequence', stop_sequence: '' }, want: '' },
  { name: 'end_turn', fields: { stop_reason: 'end_turn', stop_sequence: null }, want: undefined },
  { name: 'a sequence beside another stop reason', fields: { stop_reason: 'max_tokens', stop_sequence: 'END' }, want: undefined },
  { name: 'stop_sequence without the sequence', fields: { stop_reason: 'stop_sequence', stop_sequence: null }, want: undefined },
];

for (const c of stopSequenceCases) {
  test(`fromUpstream: stop sequence, ${c.name}`, () => {
    const result = anthropicAdapter.fromUpstream(200, anthropicMessage(c.fields), {});
    assert.ok(result.ok);
    assert.equal(result.stopSequence, c.want);
    assert.equal('stop_sequence' in (JSON.parse(result.json) as { choices: object[] }).choices[0]!, false, 'the relayed OpenAI JSON stays OpenAI');
  });
}

// ---- errors ----------------------------------------------------------------------------

function errorBody(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' });
}

const errorCases: {
  name: string;
  status: number;
  body: string;
  headers?: Record<string, string>;
  want: { errorClass: ErrorClass; retryable: boolean; retryAfterMs?: number; type: string; code: string; message: string };
}[] = [
  {
    name: '529 overloaded is retryable',
    status: 529,
    body: errorBody('overloaded_error', 'Overloaded'),
    want: { errorClass: 'overloaded', retryable: true, type: 'server_error', code: 'overloaded_error', message: 'Overloaded' },
  },
  {
    name: '429 with retry-after',
    status: 429,
    body: errorBody('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'),
    headers: { 'retry-after': '17', 'anthropic-ratelimit-tokens-remaining': '0' },
    want: {
      errorClass: 'rate_limited',
      retryable: true,
      retryAfterMs: 17_000,
      type: 'rate_limit_error',
      code: 'rate_limit_error',
      message: 'Number of request tokens has exceeded your per-minute rate limit',
    },
  },
  {
    name: '400 prompt is too long is context_length, not retryable',
    status: 400,
    body: errorBody('invalid_request_error', 'prompt is too long: 215234 tokens > 200000 maximum'),
    want: {
      errorClass: 'context_length',
      retryable: false,
      type: 'invalid_request_error',
      code: 'context_length_exceeded',
      message: 'prompt is too long: 215234 tokens > 200000 maximum',
    },
  },
  {
    name: '400 other invalid request',
    status: 400,
    body: errorBody('invalid_request_error', 'messages: roles must alternate between "user" and "assistant"'),
    want: {
      errorClass: 'bad_request',
      retryable: false,
      type: 'invalid_request_error',
      code: 'invalid_request_error',
      message: 'messages: roles must alternate between "user" and "assistant"',
    },
  },
  {
    name: '401 authentication',
    status: 401,
    body: errorBody('authentication_error', 'invalid x-api-key'),
    want: { errorClass: 'unauthorized', retryable: false, type: 'authentication_error', code: 'authentication_error', message: 'invalid x-api-key' },
  },
  {
    name: '413 request too large',
    status: 413,
    body: errorBody('request_too_large', 'Request exceeds the maximum allowed number of bytes.'),
    want: {
      errorClass: 'too_large',
      retryable: false,
      type: 'invalid_request_error',
      code: 'request_too_large',
      message: 'Request exceeds the maximum allowed number of bytes.',
    },
  },
  {
    name: '500 api_error',
    status: 500,
    body: errorBody('api_error', 'Internal server error'),
    want: { errorClass: 'server_error', retryable: true, type: 'server_error', code: 'api_error', message: 'Internal server error' },
  },
  {
    name: '502 from a proxy with an HTML body',
    status: 502,
    body: '<html><body>Bad Gateway</body></html>',
    want: {
      errorClass: 'server_error',
      retryable: true,
      type: 'upstream_error',
      code: 'server_error',
      message: 'upstream answered 502: <html><body>Bad Gateway</body></html>',
    },
  },
];

for (const c of errorCases) {
  test(`fromUpstream error: ${c.name}`, () => {
    const result = anthropicAdapter.fromUpstream(c.status, c.body, c.headers ?? {});
    assert.ok(!result.ok);
    const f: UpstreamFailure = result.failure;
    assert.equal(f.errorClass, c.want.errorClass);
    assert.equal(f.retryable, c.want.retryable);
    assert.equal(f.status, c.status);
    assert.equal(f.retryAfterMs, c.want.retryAfterMs);
    assert.deepEqual(f.body, { error: { message: c.want.message, type: c.want.type, param: null, code: c.want.code } });
  });
}

const malformedCases: { name: string; body: string }[] = [
  { name: 'not JSON', body: 'upstream connect error or disconnect/reset before headers' },
  { name: 'JSON without content', body: JSON.stringify({ id: 'msg_1', model: 'claude', type: 'message' }) },
  { name: 'content blocks without a type', body: JSON.stringify({ id: 'msg_1', model: 'claude', content: [{ text: 'hi' }] }) },
  { name: 'null', body: 'null' },
];

for (const c of malformedCases) {
  test(`fromUpstream malformed 200: ${c.name}`, () => {
    const result = anthropicAdapter.fromUpstream(200, c.body, {});
    assert.ok(!result.ok);
    assert.equal(result.failure.errorClass, 'malformed_response');
    assert.equal(result.failure.retryable, true);
  });
}

test('fromUpstream: an error body inside a 200 is classified by its type', () => {
  const result = anthropicAdapter.fromUpstream(200, errorBody('overloaded_error', 'Overloaded'), {});
  assert.ok(!result.ok);
  assert.equal(result.failure.errorClass, 'overloaded');
});

// ---- streams ---------------------------------------------------------------------------

function sse(event: string, data: Record<string, unknown>): SseMessage {
  return { event, data: JSON.stringify({ type: event, ...data }) };
}

const messageStart = sse('message_start', {
  message: {
    id: 'msg_014p7gG3wDgGV9EUtLvnow3U',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 472, output_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 28 },
  },
});

const textStream: SseMessage[] = [
  messageStart,
  sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  sse('ping', {}),
  sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hello' } }),
  sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ', world' } }),
  sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: '!' } }),
  sse('content_block_stop', { index: 0 }),
  sse('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } }),
  sse('message_stop', {}),
];

const toolStream: SseMessage[] = [
  messageStart,
  sse('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
  sse('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'I need the weather tool.' } }),
  sse('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'EqQBCgIYAhIM' } }),
  sse('content_block_stop', { index: 0 }),
  sse('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }),
  sse('content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'Let me check.' } }),
  sse('content_block_stop', { index: 1 }),
  sse('content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: {} } }),
  sse('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '' } }),
  sse('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '{"city": "Pa' } }),
  sse('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: 'ris"}' } }),
  sse('content_block_stop', { index: 2 }),
  sse('content_block_start', { index: 3, content_block: { type: 'tool_use', id: 'toolu_02', name: 'get_time', input: {} } }),
  sse('content_block_delta', { index: 3, delta: { type: 'input_json_delta', partial_json: '{"tz":"CET"}' } }),
  sse('content_block_stop', { index: 3 }),
  sse('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 89 } }),
  sse('message_stop', {}),
];

interface Collected {
  readonly events: StreamEvent[];
  readonly done: boolean;
  readonly content: string;
  readonly toolCalls: { id?: string; name?: string; arguments: string }[];
  readonly finish: (FinishReason | null)[];
  readonly usage: ChatCompletionChunk['usage'][];
}

function runStream(messages: readonly SseMessage[]): Collected {
  const translate = anthropicAdapter.createStreamTranslator();
  const events: StreamEvent[] = [];
  let done = false;
  for (const message of messages) {
    assert.equal(done, false, 'no message after done');
    const step = translate(message);
    events.push(...step.events);
    done = step.done;
  }
  let content = '';
  const toolCalls: { id?: string; name?: string; arguments: string }[] = [];
  const finish: (FinishReason | null)[] = [];
  const usage: ChatCompletionChunk['usage'][] = [];
  for (const { chunk, data } of events) {
    assert.deepEqual(JSON.parse(data), chunk);
    if (chunk.usage !== undefined) usage.push(chunk.usage);
    for (const choice of chunk.choices) {
      content += choice.delta.content ?? '';
      if (choice.finish_reason !== null) finish.push(choice.finish_reason);
      for (const call of choice.delta.tool_calls ?? []) {
        const slot = (toolCalls[call.index] ??= { arguments: '' });
        if (call.id !== undefined) slot.id = call.id;
        if (call.function?.name !== undefined) slot.name = call.function.name;
        slot.arguments += call.function?.arguments ?? '';
      }
    }
  }
  return { events, done, content, toolCalls, finish, usage };
}

test('stream: text sequence', () => {
  const got = runStream(textStream);
  assert.equal(got.done, true);
  assert.equal(got.content, 'Hello, world!');
  assert.deepEqual(got.finish, ['stop']);
  assert.deepEqual(got.usage, [{ prompt_tokens: 500, completion_tokens: 15, total_tokens: 515 }]);
  assert.deepEqual(got.toolCalls, []);
  // role chunk, three text chunks, finish chunk, usage chunk
  assert.equal(got.events.length, 6);
  assert.deepEqual(got.events[0]?.chunk.choices, [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  assert.deepEqual(got.events[4]?.chunk.choices, [{ index: 0, delta: {}, finish_reason: 'stop' }]);
  assert.deepEqual(got.events[5]?.chunk.choices, []);
  const first = got.events[0]?.chunk;
  for (const { chunk } of got.events) {
    assert.equal(chunk.id, 'msg_014p7gG3wDgGV9EUtLvnow3U');
    assert.equal(chunk.model, 'claude-sonnet-4-5-20250929');
    assert.equal(chunk.object, 'chat.completion.chunk');
    assert.equal(chunk.created, first?.created);
  }
});

test('stream: tool call sequence with thinking', () => {
  const got = runStream(toolStream);
  assert.equal(got.done, true);
  assert.equal(got.content, 'Let me check.');
  assert.deepEqual(got.toolCalls, [
    { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"city": "Paris"}' },
    { id: 'toolu_02', name: 'get_time', arguments: '{"tz":"CET"}' },
  ]);
  assert.deepEqual(got.finish, ['tool_calls']);
  assert.deepEqual(got.usage, [{ prompt_tokens: 500, completion_tokens: 89, total_tokens: 589 }]);
  const start = got.events.find((e) => e.chunk.choices[0]?.delta.tool_calls?.[0]?.id === 'toolu_02');
  assert.deepEqual(start?.chunk.choices[0]?.delta, {
    tool_calls: [{ index: 1, id: 'toolu_02', type: 'function', function: { name: 'get_time', arguments: '' } }],
  });
});

test('stream: the matched stop sequence rides on the finishing chunk only', () => {
  const got = runStream([
    messageStart,
    sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Paris' } }),
    sse('content_block_stop', { index: 0 }),
    sse('message_delta', { delta: { stop_reason: 'stop_sequence', stop_sequence: '</answer>' }, usage: { output_tokens: 3 } }),
    sse('message_stop', {}),
  ]);
  assert.deepEqual(got.finish, ['stop']);
  assert.deepEqual(
    got.events.map((e) => e.stopSequence),
    [undefined, undefined, '</answer>', undefined],
  );
  assert.equal(runStream(textStream).events.some((e) => e.stopSequence !== undefined), false);
});

test('stream: cumulative input tokens in message_delta replace message_start', () => {
  const got = runStream([
    messageStart,
    sse('message_delta', {
      delta: { stop_reason: 'max_tokens', stop_sequence: null },
      usage: { input_tokens: 480, output_tokens: 1024, cache_creation_input_tokens: null, cache_read_input_tokens: 28 },
    }),
    sse('message_stop', {}),
  ]);
  assert.deepEqual(got.finish, ['length']);
  assert.deepEqual(got.usage, [{ prompt_tokens: 508, completion_tokens: 1024, total_tokens: 1532 }]);
});

const streamErrorCases: { name: string; messages: SseMessage[]; errorClass: ErrorClass; eventsBefore: number }[] = [
  {
    name: 'overloaded error event mid-stream',
    messages: [
      messageStart,
      sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Partial' } }),
      sse('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
    ],
    errorClass: 'overloaded',
    eventsBefore: 2,
  },
  {
    name: 'rate limit error event',
    messages: [messageStart, sse('error', { error: { type: 'rate_limit_error', message: 'slow down' } })],
    errorClass: 'rate_limited',
    eventsBefore: 1,
  },
  {
    name: 'api error event',
    messages: [messageStart, sse('error', { error: { type: 'api_error', message: 'Internal server error' } })],
    errorClass: 'server_error',
    eventsBefore: 1,
  },
  {
    name: 'data that is not JSON',
    messages: [messageStart, { event: 'content_block_delta', data: '{"type":"content_block_delta",' }],
    errorClass: 'malformed_response',
    eventsBefore: 1,
  },
  {
    name: 'content before message_start',
    messages: [sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'x' } })],
    errorClass: 'malformed_response',
    eventsBefore: 0,
  },
];

for (const c of streamErrorCases) {
  test(`stream: ${c.name}`, () => {
    const translate = anthropicAdapter.createStreamTranslator();
    const events: StreamEvent[] = [];
    const last = c.messages.at(-1) as SseMessage;
    for (const message of c.messages.slice(0, -1)) events.push(...translate(message).events);
    assert.equal(events.length, c.eventsBefore);
    assert.throws(
      () => translate(last),
      (err: unknown) => {
        assert.ok(err instanceof UpstreamStreamError);
        assert.equal(err.failure.errorClass, c.errorClass);
        assert.equal(err.failure.status, 200);
        return true;
      },
    );
  });
}

// ---- token counting (POST /v1/messages/count_tokens) ----------------------------------

const countAdapter = anthropicAdapter.tokenCount;

const countRequestCases: { name: string; request: ChatRequest; baseUrl?: string; url: string; body: Record<string, unknown> }[] = [
  {
    name: 'sampling and output parameters are left out; system, messages, tools and tool_choice stay',
    request: {
      model: 'support',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'weather in Paris?' },
      ],
      max_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END'],
      user: 'u-7',
      stream: true,
      tools: [weatherTool],
      tool_choice: 'required',
    },
    url: 'https://api.anthropic.com/v1/messages/count_tokens',
    body: {
      model: 'claude-sonnet-4-5',
      system: 'be brief',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'weather in Paris?' }] }],
      tools: [anthropicWeatherTool],
      tool_choice: { type: 'any' },
    },
  },
  {
    name: 'a JSON response format counts its instruction in the system prompt; a /v1 base URL is not doubled',
    request: { model: 'support', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_object' } },
    baseUrl: 'https://gateway.internal/anthropic/v1',
    url: 'https://gateway.internal/anthropic/v1/messages/count_tokens',
    body: {
      model: 'claude-sonnet-4-5',
      system: upstreamBody({ model: 'support', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_object' } }).system,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    },
  },
];

for (const c of countRequestCases) {
  test(`count_tokens request: ${c.name}`, () => {
    const out = countAdapter?.toUpstream(c.request, 'claude-sonnet-4-5', { ...target, ...(c.baseUrl === undefined ? {} : { baseUrl: c.baseUrl }) });
    assert.ok(out !== undefined && 'url' in out, 'a request');
    assert.equal(out.url, c.url);
    assert.equal(out.headers['x-api-key'], 'sk-ant-test');
    assert.equal(out.headers['anthropic-version'], '2023-06-01');
    assert.deepEqual(JSON.parse(out.body), c.body);
  });
}

test('count_tokens request: what Anthropic cannot express is a bad_request failure naming the field, as for messages', () => {
  const out = countAdapter?.toUpstream({ model: 'support', messages: [{ role: 'user', content: 'hi' }], n: 2 }, 'claude-sonnet-4-5', target);
  assert.ok(out !== undefined && !('url' in out));
  assert.equal(out.errorClass, 'bad_request');
  assert.equal(out.retryable, false);
  assert.equal(out.body.error.param, 'n');
});

const countAnswerCases: { name: string; status: number; body: string; want: { inputTokens: number } | { errorClass: ErrorClass; retryable: boolean } }[] = [
  { name: '200 with input_tokens', status: 200, body: '{"input_tokens":2095}', want: { inputTokens: 2095 } },
  { name: '200 with zero', status: 200, body: '{"input_tokens":0}', want: { inputTokens: 0 } },
  { name: '400 invalid_request_error', status: 400, body: errorBody('invalid_request_error', 'messages: field required'), want: { errorClass: 'bad_request', retryable: false } },
  { name: '529 overloaded_error', status: 529, body: errorBody('overloaded_error', 'Overloaded'), want: { errorClass: 'overloaded', retryable: true } },
  { name: '429 rate_limit_error', status: 429, body: errorBody('rate_limit_error', 'slow down'), want: { errorClass: 'rate_limited', retryable: true } },
  { name: '200 that is not JSON', status: 200, body: '<html>', want: { errorClass: 'malformed_response', retryable: true } },
  { name: '200 without input_tokens', status: 200, body: '{"tokens":12}', want: { errorClass: 'malformed_response', retryable: true } },
  { name: '200 with a fractional count', status: 200, body: '{"input_tokens":1.5}', want: { errorClass: 'malformed_response', retryable: true } },
  { name: '200 with a negative count', status: 200, body: '{"input_tokens":-1}', want: { errorClass: 'malformed_response', retryable: true } },
  { name: '200 with null', status: 200, body: 'null', want: { errorClass: 'malformed_response', retryable: true } },
];

for (const c of countAnswerCases) {
  test(`count_tokens answer: ${c.name}`, () => {
    const result = countAdapter?.fromUpstream(c.status, c.body, {});
    assert.ok(result !== undefined);
    if ('inputTokens' in c.want) {
      assert.deepEqual(result, { ok: true, inputTokens: c.want.inputTokens, countedBy: 'provider' });
      return;
    }
    assert.ok(!result.ok);
    assert.equal(result.failure.errorClass, c.want.errorClass);
    assert.equal(result.failure.retryable, c.want.retryable);
    assert.equal(result.failure.status, c.status);
  });
}
