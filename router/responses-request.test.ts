import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WarmpathError } from '../core/errors.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { ChatRequest, ResponsesRequest } from '../schemas/index.ts';
import { chatRequestOfResponses } from './responses-request.ts';

const model = 'gpt-5';

function responsesRequest(fields: Partial<ResponsesRequest>): ResponsesRequest {
  return { model, input: 'Hello', ...fields };
}

/** What the schema lets through but the types do not describe (item fields unchecked). */
function loose(value: unknown): never {
  return value as never;
}

const weatherSchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const weatherTool = { type: 'function' as const, name: 'get_weather', description: 'Current weather for a city', parameters: weatherSchema };
const chatWeatherTool = { type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: weatherSchema } } as const;
const weatherCall = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } } as const;

const cases: { name: string; request: ResponsesRequest; want: ChatRequest }[] = [
  {
    name: 'a string input is one user message; instructions become the system message before it',
    request: responsesRequest({ instructions: 'Be brief.', input: 'Hello' }),
    want: { model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }] },
  },
  {
    name: 'easy messages keep their roles, developer included; string content stays a string',
    request: responsesRequest({
      input: [
        { role: 'developer', content: 'Answer in French.' },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Bonjour !' },
        { type: 'message', role: 'user', content: 'And goodbye?' },
      ],
    }),
    want: {
      model,
      messages: [
        { role: 'developer', content: 'Answer in French.' },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Bonjour !' },
        { role: 'user', content: 'And goodbye?' },
      ],
    },
  },
  {
    name: 'input_text and input_image parts become text and image_url parts, detail kept',
    request: responsesRequest({
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is this?' },
            { type: 'input_image', image_url: 'https://example.com/cat.png', detail: 'low' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA', file_id: null, detail: 'auto' },
          ],
        },
      ],
    }),
    want: {
      model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'auto' } },
          ],
        },
      ],
    },
  },
  {
    name: 'a replayed output message: its output_text parts joined; a refusal part is the refusal',
    request: responsesRequest({
      input: [
        { role: 'user', content: 'Hi' },
        loose({ type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hel', annotations: [] }, { type: 'output_text', text: 'lo', annotations: [] }] }),
        { role: 'user', content: 'Something bad' },
        loose({ type: 'message', id: 'msg_2', status: 'completed', role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot help with that.' }] }),
      ],
    }),
    want: {
      model,
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'Something bad' },
        { role: 'assistant', content: null, refusal: 'I cannot help with that.' },
      ],
    },
  },
  {
    name: 'a message then its function calls (one answer) make one assistant message; outputs become tool messages',
    request: responsesRequest({
      tools: [weatherTool],
      input: [
        { role: 'user', content: 'Weather in Oslo and Bergen?' },
        loose({ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Checking both.', annotations: [] }] }),
        { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}', status: 'completed' },
        { type: 'function_call', call_id: 'call_2', name: 'get_weather', arguments: '{"city":"Bergen"}' },
        { type: 'function_call_output', call_id: 'call_1', output: '4°C' },
        { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: '7°C' }] },
      ],
    }),
    want: {
      model,
      messages: [
        { role: 'user', content: 'Weather in Oslo and Bergen?' },
        {
          role: 'assistant',
          content: 'Checking both.',
          tool_calls: [weatherCall, { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Bergen"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '4°C' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '7°C' }] },
      ],
      tools: [chatWeatherTool],
    },
  },
  {
    name: 'a function call with no message before it is an assistant message without content',
    request: responsesRequest({
      input: [
        { role: 'user', content: 'Weather in Oslo?' },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
        { type: 'function_call_output', call_id: 'call_1', output: '' },
      ],
    }),
    want: {
      model,
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: null, tool_calls: [weatherCall] },
        { role: 'tool', tool_call_id: 'call_1', content: '' },
      ],
    },
  },
  {
    name: 'settings: max_output_tokens is max_completion_tokens; sampling, user and cache key carry over; stream only when true',
    request: responsesRequest({
      max_output_tokens: 256,
      temperature: 0.3,
      top_p: 0.9,
      stream: true,
      user: 'u-1',
      safety_identifier: 'hash-1',
      prompt_cache_key: 'k-1',
      service_tier: 'flex',
      reasoning: { effort: 'low', summary: 'auto' },
      text: { verbosity: 'low' },
      metadata: { ticket: 'T-1' },
      store: true,
      stream_options: { include_obfuscation: false },
      include: ['reasoning.encrypted_content'],
      truncation: 'disabled',
    }),
    want: {
      model,
      messages: [{ role: 'user', content: 'Hello' }],
      max_completion_tokens: 256,
      stream: true,
      temperature: 0.3,
      top_p: 0.9,
      verbosity: 'low',
      reasoning_effort: 'low',
      user: 'u-1',
      safety_identifier: 'hash-1',
      prompt_cache_key: 'k-1',
      service_tier: 'flex',
    },
  },
  {
    name: 'function tools: strict only when given, missing parameters an empty object schema; tool_choice and parallel_tool_calls',
    request: responsesRequest({
      tools: [weatherTool, { type: 'function', name: 'now', parameters: null, strict: false }],
      tool_choice: { type: 'function', name: 'get_weather' },
      parallel_tool_calls: false,
    }),
    want: {
      model,
      messages: [{ role: 'user', content: 'Hello' }],
      tools: [chatWeatherTool, { type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} }, strict: false } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
    },
  },
  {
    name: 'tool_choice strings pass as they are; parallel_tool_calls without tools is left out',
    request: responsesRequest({ tools: [weatherTool], tool_choice: 'required' }),
    want: { model, messages: [{ role: 'user', content: 'Hello' }], tools: [chatWeatherTool], tool_choice: 'required' },
  },
  {
    name: 'no tools: tool_choice none passes, parallel_tool_calls is dropped',
    request: responsesRequest({ tool_choice: 'none', parallel_tool_calls: true }),
    want: { model, messages: [{ role: 'user', content: 'Hello' }], tool_choice: 'none' },
  },
  {
    name: 'text.format json_schema becomes response_format, strict and description kept',
    request: responsesRequest({ text: { format: { type: 'json_schema', name: 'city', schema: weatherSchema, strict: true, description: 'A city' } } }),
    want: {
      model,
      messages: [{ role: 'user', content: 'Hello' }],
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema: weatherSchema, strict: true, description: 'A city' } },
    },
  },
  {
    name: 'text.format json_object becomes response_format; text is the default and adds nothing',
    request: responsesRequest({ text: { format: { type: 'json_object' } } }),
    want: { model, messages: [{ role: 'user', content: 'Hello' }], response_format: { type: 'json_object' } },
  },
  {
    name: 'text format "text", null settings and empty instructions add nothing',
    request: responsesRequest({ text: { format: { type: 'text' } }, instructions: '', temperature: null, max_output_tokens: null, previous_response_id: null, background: false, top_logprobs: 0 }),
    want: { model, messages: [{ role: 'user', content: 'Hello' }] },
  },
];

for (const c of cases) {
  test(`translate: ${c.name}`, () => {
    assert.deepEqual(chatRequestOfResponses(c.request), c.want);
  });
}

const refusals: { name: string; request: ResponsesRequest; code: ErrorCode; param: string; message: RegExp }[] = [
  { name: 'previous_response_id', request: responsesRequest({ previous_response_id: 'resp_1' }), code: 'REQ_UNSUPPORTED', param: 'previous_response_id', message: /stateless/ },
  { name: 'a conversation', request: responsesRequest({ conversation: 'conv_1' }), code: 'REQ_UNSUPPORTED', param: 'conversation', message: /stateless/ },
  { name: 'a stored prompt', request: responsesRequest({ prompt: { id: 'pmpt_1' } }), code: 'REQ_UNSUPPORTED', param: 'prompt', message: /prompt template/ },
  { name: 'background', request: responsesRequest({ background: true }), code: 'REQ_UNSUPPORTED', param: 'background', message: /poll/ },
  { name: 'truncation auto', request: responsesRequest({ truncation: 'auto' }), code: 'REQ_UNSUPPORTED', param: 'truncation', message: /never drops input/ },
  { name: 'top_logprobs', request: responsesRequest({ top_logprobs: 3 }), code: 'REQ_UNSUPPORTED', param: 'top_logprobs', message: /logprobs/ },
  { name: 'max_tool_calls', request: responsesRequest({ max_tool_calls: 2 }), code: 'REQ_UNSUPPORTED', param: 'max_tool_calls', message: /no limit on tool calls/ },
  { name: 'a detailed reasoning summary', request: responsesRequest({ reasoning: { summary: 'detailed' } }), code: 'REQ_UNSUPPORTED', param: 'reasoning.summary', message: /reasoning summaries/ },
  { name: 'include logprobs', request: responsesRequest({ include: ['reasoning.encrypted_content', 'message.output_text.logprobs'] }), code: 'REQ_UNSUPPORTED', param: 'include.1', message: /message.output_text.logprobs/ },
  { name: 'a hosted tool', request: responsesRequest({ tools: [weatherTool, loose({ type: 'file_search', vector_store_ids: ['vs_1'] })] }), code: 'REQ_UNSUPPORTED', param: 'tools.1.type', message: /"file_search".*hosted tool/ },
  { name: 'a hosted tool_choice', request: responsesRequest({ tools: [weatherTool], tool_choice: loose({ type: 'web_search' }) }), code: 'REQ_UNSUPPORTED', param: 'tool_choice.type', message: /"web_search"/ },
  { name: 'tool_choice naming no tool', request: responsesRequest({ tools: [weatherTool], tool_choice: { type: 'function', name: 'nope' } }), code: 'REQ_INVALID', param: 'tool_choice.name', message: /"nope" names no tool/ },
  { name: 'tool_choice required without tools', request: responsesRequest({ tool_choice: 'required' }), code: 'REQ_INVALID', param: 'tool_choice', message: /needs tools/ },
  { name: 'an item reference', request: responsesRequest({ input: [loose({ type: 'item_reference', id: 'msg_1' })] }), code: 'REQ_UNSUPPORTED', param: 'input.0.type', message: /stored item/ },
  { name: 'a reasoning item', request: responsesRequest({ input: [{ role: 'user', content: 'Hi' }, loose({ type: 'reasoning', id: 'rs_1', summary: [] })] }), code: 'REQ_UNSUPPORTED', param: 'input.1.type', message: /reasoning items/ },
  { name: 'a hosted tool call item', request: responsesRequest({ input: [loose({ type: 'web_search_call', id: 'ws_1', status: 'completed' })] }), code: 'REQ_UNSUPPORTED', param: 'input.0.type', message: /hosted tool \(web_search\)/ },
  { name: 'an unknown item type', request: responsesRequest({ input: [loose({ type: 'hologram' })] }), code: 'REQ_UNSUPPORTED', param: 'input.0.type', message: /"hologram" items/ },
  { name: 'a message without a known role', request: responsesRequest({ input: [loose({ role: 'critic', content: 'x' })] }), code: 'REQ_INVALID', param: 'input.0.role', message: /must be one of/ },
  { name: 'a message with empty content', request: responsesRequest({ input: [{ role: 'user', content: [] }] }), code: 'REQ_INVALID', param: 'input.0.content', message: /at least one content part/ },
  { name: 'an image by file id', request: responsesRequest({ input: [{ role: 'user', content: [loose({ type: 'input_image', file_id: 'file_1', detail: 'auto' })] }] }), code: 'REQ_UNSUPPORTED', param: 'input.0.content.0.file_id', message: /image_url/ },
  { name: 'a file part', request: responsesRequest({ input: [{ role: 'user', content: [loose({ type: 'input_file', file_data: 'x', filename: 'a.pdf' })] }] }), code: 'REQ_UNSUPPORTED', param: 'input.0.content.0.type', message: /input_file/ },
  { name: 'an output part as user input', request: responsesRequest({ input: [{ role: 'user', content: [loose({ type: 'output_text', text: 'x' })] }] }), code: 'REQ_INVALID', param: 'input.0.content.0.type', message: /input parts are input_text and input_image/ },
  { name: 'an image in an assistant message', request: responsesRequest({ input: [{ role: 'assistant', content: [loose({ type: 'input_image', image_url: 'https://x' })] }] }), code: 'REQ_INVALID', param: 'input.0.content.0.type', message: /output_text or refusal/ },
  { name: 'a function call without arguments', request: responsesRequest({ input: [loose({ type: 'function_call', call_id: 'c', name: 'f' })] }), code: 'REQ_INVALID', param: 'input.0.arguments', message: /must be a string/ },
  { name: 'a function output with an image', request: responsesRequest({ input: [loose({ type: 'function_call_output', call_id: 'c', output: [{ type: 'input_image', image_url: 'https://x' }] })] }), code: 'REQ_UNSUPPORTED', param: 'input.0.output.0.type', message: /text only/ },
];

for (const c of refusals) {
  test(`refuse: ${c.name}`, () => {
    assert.throws(
      () => chatRequestOfResponses(c.request),
      (err: unknown) => {
        assert.ok(err instanceof WarmpathError, String(err));
        assert.equal(err.code, c.code);
        assert.equal(err.param, c.param);
        assert.match(err.message, c.message);
        return true;
      },
    );
  });
}
