import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatRequest, ErrorClass } from '../schemas/index.ts';
import { toolResultError } from '../schemas/index.ts';
import { openaiAdapter } from './openai.ts';
import { UpstreamStreamError } from './types.ts';
import type { UpstreamRequest, UpstreamTarget } from './types.ts';

const target: UpstreamTarget = {
  baseUrl: 'https://api.openai.com/v1',
  apiKey: 'sk-test',
  headers: {},
  anthropicVersion: '2023-06-01',
};

const request: ChatRequest = {
  model: 'support-default',
  messages: [{ role: 'user', content: 'Hi' }],
  temperature: 0.3,
  stream_options: { include_usage: false },
};

// ---- request ---------------------------------------------------------------------------

const requestCases: {
  name: string;
  stream: boolean;
  target?: Partial<UpstreamTarget>;
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}[] = [
  {
    name: 'non-stream: route model, stream false, no stream_options, bearer key',
    stream: false,
    url: 'https://api.openai.com/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.3, stream: false },
  },
  {
    name: 'stream: include_usage forced on',
    stream: true,
    url: 'https://api.openai.com/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
      temperature: 0.3,
      stream: true,
      stream_options: { include_usage: true },
    },
  },
  {
    name: 'no key: no authorization header; trailing slashes trimmed; extra headers kept',
    stream: false,
    target: { baseUrl: 'http://localhost:11434/v1//', apiKey: undefined, headers: { 'x-team': 'support' } },
    url: 'http://localhost:11434/v1/chat/completions',
    headers: { 'content-type': 'application/json', 'x-team': 'support' },
    body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.3, stream: false },
  },
  {
    name: 'empty key counts as no key',
    stream: false,
    target: { apiKey: '' },
    url: 'https://api.openai.com/v1/chat/completions',
    headers: { 'content-type': 'application/json' },
    body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.3, stream: false },
  },
];

for (const c of requestCases) {
  test(`toUpstream: ${c.name}`, () => {
    const out = openaiAdapter.toUpstream(request, 'gpt-4o', c.stream, { ...target, ...c.target }) as UpstreamRequest;
    assert.equal(out.url, c.url);
    assert.deepEqual(out.headers, c.headers);
    assert.deepEqual(JSON.parse(out.body), c.body);
  });
}

test('toUpstream does not modify the caller request', () => {
  const before = structuredClone(request);
  openaiAdapter.toUpstream(request, 'gpt-4o', true, target);
  openaiAdapter.toUpstream(request, 'gpt-4o', false, target);
  assert.deepEqual(request, before);
});

test('toUpstream: a tool message marked as an Anthropic tool error goes up as a plain tool message', () => {
  const withToolError: ChatRequest = {
    model: 'support-default',
    messages: [
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'city not found', [toolResultError]: true },
    ],
  };
  const out = openaiAdapter.toUpstream(withToolError, 'gpt-4o', false, target) as UpstreamRequest;
  assert.deepEqual(JSON.parse(out.body).messages[2], { role: 'tool', tool_call_id: 'toolu_1', content: 'city not found' });
});

// ---- response --------------------------------------------------------------------------

const completionBody = JSON.stringify({
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion',
  created: 1741569952,
  model: 'gpt-4o-2024-08-06',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hello! How can I help?', refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 },
  service_tier: 'default',
  system_fingerprint: 'fp_44709d6fcb',
});

test('fromUpstream: 200 completion passes through as is', () => {
  const result = openaiAdapter.fromUpstream(200, completionBody, {});
  assert.ok(result.ok);
  assert.equal(result.json, completionBody);
  assert.deepEqual(result.completion, JSON.parse(completionBody));
});

function openAIError(message: string, type: string, code: string | null, param: string | null = null): string {
  return JSON.stringify({ error: { message, type, param, code } });
}

const failureCases: {
  name: string;
  status: number;
  body: string;
  headers?: Record<string, string>;
  want: { errorClass: ErrorClass; retryable: boolean; status: number; retryAfterMs?: number; code?: string | null; type?: string; param?: string | null };
}[] = [
  { name: '200 with a body that is not JSON', status: 200, body: '<html>oops</html>', want: { errorClass: 'malformed_response', retryable: true, status: 200 } },
  {
    name: '200 without choices',
    status: 200,
    body: JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', choices: [] }),
    want: { errorClass: 'malformed_response', retryable: true, status: 200 },
  },
  {
    name: '200 carrying an error object',
    status: 200,
    body: openAIError('The server had an error while processing your request.', 'server_error', null),
    want: { errorClass: 'server_error', retryable: true, status: 502 },
  },
  {
    name: '400 context_length_exceeded',
    status: 400,
    body: openAIError(
      "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens.",
      'invalid_request_error',
      'context_length_exceeded',
      'messages',
    ),
    want: { errorClass: 'context_length', retryable: false, status: 400, code: 'context_length_exceeded', type: 'invalid_request_error', param: 'messages' },
  },
  {
    name: '400 other invalid request',
    status: 400,
    body: openAIError("Invalid value for 'temperature': must be <= 2.", 'invalid_request_error', 'invalid_value', 'temperature'),
    want: { errorClass: 'bad_request', retryable: false, status: 400, code: 'invalid_value', type: 'invalid_request_error', param: 'temperature' },
  },
  {
    name: '401 invalid key',
    status: 401,
    body: openAIError('Incorrect API key provided: sk-test.', 'invalid_request_error', 'invalid_api_key'),
    want: { errorClass: 'unauthorized', retryable: false, status: 401, code: 'invalid_api_key', type: 'invalid_request_error' },
  },
  {
    name: '429 with retry-after-ms',
    status: 429,
    body: openAIError('Rate limit reached for gpt-4o on tokens per min (TPM).', 'tokens', 'rate_limit_exceeded'),
    headers: { 'retry-after-ms': '1250', 'retry-after': '2' },
    want: { errorClass: 'rate_limited', retryable: true, status: 429, retryAfterMs: 1250, code: 'rate_limit_exceeded', type: 'tokens' },
  },
  {
    name: '503 with a plain-text body',
    status: 503,
    body: 'upstream connect error or disconnect/reset before headers',
    want: { errorClass: 'server_error', retryable: true, status: 503, code: 'server_error', type: 'upstream_error' },
  },
  {
    name: '500 with an error string',
    status: 500,
    body: JSON.stringify({ error: 'model crashed' }),
    want: { errorClass: 'server_error', retryable: true, status: 500 },
  },
];

for (const c of failureCases) {
  test(`fromUpstream: ${c.name}`, () => {
    const result = openaiAdapter.fromUpstream(c.status, c.body, c.headers ?? {});
    assert.ok(!result.ok);
    const f = result.failure;
    assert.equal(f.errorClass, c.want.errorClass);
    assert.equal(f.retryable, c.want.retryable);
    assert.equal(f.status, c.want.status);
    assert.equal(f.retryAfterMs, c.want.retryAfterMs);
    if (c.want.code !== undefined) assert.equal(f.body.error.code, c.want.code);
    if (c.want.type !== undefined) assert.equal(f.body.error.type, c.want.type);
    if (c.want.param !== undefined) assert.equal(f.body.error.param, c.want.param);
    assert.equal(f.body.error.message, f.message);
  });
}

test('fromUpstream: plain-text error body is quoted in the message', () => {
  const result = openaiAdapter.fromUpstream(503, 'Service Unavailable', {});
  assert.ok(!result.ok);
  assert.equal(result.failure.message, 'upstream answered 503: Service Unavailable');
});

// ---- stream ----------------------------------------------------------------------------

const chunk = {
  id: 'chatcmpl-123',
  object: 'chat.completion.chunk',
  created: 1694268190,
  model: 'gpt-4o-mini',
  system_fingerprint: 'fp_44709d6fcb',
  choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
};

test('stream: a chunk passes through with its data', () => {
  const translate = openaiAdapter.createStreamTranslator();
  const data = JSON.stringify(chunk);
  const step = translate({ data });
  assert.equal(step.done, false);
  assert.deepEqual(step.events, [{ chunk, data }]);
});

test('stream: the usage-only chunk (empty choices) passes through', () => {
  const translate = openaiAdapter.createStreamTranslator();
  const usageChunk = { ...chunk, choices: [], usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 } };
  const step = translate({ data: JSON.stringify(usageChunk) });
  assert.deepEqual(step.events[0]?.chunk, usageChunk);
});

test('stream: [DONE] ends the stream', () => {
  const translate = openaiAdapter.createStreamTranslator();
  assert.deepEqual(translate({ data: '[DONE]' }), { events: [], done: true });
  assert.deepEqual(translate({ data: ' [DONE]\n' }), { events: [], done: true });
});

const streamErrorCases: { name: string; data: string; errorClass: ErrorClass }[] = [
  { name: 'data that is not JSON', data: '{"id":"chatcmpl-123",', errorClass: 'malformed_response' },
  { name: 'JSON that is not an object', data: '42', errorClass: 'malformed_response' },
  { name: 'object without choices', data: JSON.stringify({ id: 'chatcmpl-123' }), errorClass: 'malformed_response' },
  {
    name: 'error event: server error',
    data: JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', code: null } }),
    errorClass: 'server_error',
  },
  {
    name: 'error event: rate limit',
    data: JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }),
    errorClass: 'rate_limited',
  },
];

for (const c of streamErrorCases) {
  test(`stream: ${c.name}`, () => {
    const translate = openaiAdapter.createStreamTranslator();
    assert.throws(
      () => translate({ data: c.data }),
      (err: unknown) => {
        assert.ok(err instanceof UpstreamStreamError);
        assert.equal(err.failure.errorClass, c.errorClass);
        assert.equal(err.failure.status, 200);
        return true;
      },
    );
  });
}

test('stream: a chunk with "error": null is a chunk, not an error', () => {
  // Some OpenAI-compatible servers send the field on every chunk.
  const translate = openaiAdapter.createStreamTranslator();
  const step = translate({ data: JSON.stringify({ ...chunk, error: null }) });
  assert.equal(step.events.length, 1);
});
