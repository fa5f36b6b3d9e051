import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WarmpathError } from '../core/errors.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { ChatRequest, MessagesRequest } from '../schemas/index.ts';
import { toolResultError } from '../schemas/index.ts';
import { chatRequestOf } from './messages-request.ts';

const model = 'claude-sonnet-4-5';

/** A request with the required fields, plus `fields`. */
function messagesRequest(fields: Partial<MessagesRequest>): MessagesRequest {
  return { model, max_tokens: 1024, messages: [{ role: 'user', content: 'Hello' }], ...fields };
}

/** What the schema lets through but the types do not describe (block fields unchecked). */
function loose(value: unknown): never {
  return value as never;
}

const weatherSchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

const weatherTool = { name: 'get_weather', description: 'Current weather for a city', input_schema: weatherSchema };

/** weatherTool as warmpath's OpenAI chat request declares it. */
const openAIWeatherTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Current weather for a city', parameters: weatherSchema },
} as const;

const pngData = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

// ---- translation -----------------------------------------------------------------------

const cases: { name: string; request: MessagesRequest; want: ChatRequest }[] = [
  {
    name: 'string content keeps its role; model and max_tokens carry over',
    request: messagesRequest({
      messages: [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi! How can I help?' },
        { role: 'user', content: 'Tell me a joke.' },
      ],
    }),
    want: {
      model,
      messages: [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi! How can I help?' },
        { role: 'user', content: 'Tell me a joke.' },
      ],
      max_tokens: 1024,
    },
  },
  {
    name: 'stream true becomes stream: true',
    request: messagesRequest({ stream: true }),
    want: { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1024, stream: true },
  },
  {
    name: 'stream false is left out',
    request: messagesRequest({ stream: false }),
    want: { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1024 },
  },
  {
    name: 'system string becomes the first message',
    request: messagesRequest({ system: 'You are terse.' }),
    want: {
      model,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hello' },
      ],
      max_tokens: 1024,
    },
  },
  {
    name: 'system text blocks become text parts; cache_control is ignored',
    request: messagesRequest({
      system: [
        { type: 'text', text: 'You are terse.' },
        { type: 'text', text: 'Answer in French.', cache_control: { type: 'ephemeral' } },
      ],
    }),
    want: {
      model,
      messages: [
        {
          role: 'system',
          content: [
            { type: 'text', text: 'You are terse.' },
            { type: 'text', text: 'Answer in French.' },
          ],
        },
        { role: 'user', content: 'Hello' },
      ],
      max_tokens: 1024,
    },
  },
  {
    name: 'empty system string gives no system message',
    request: messagesRequest({ system: '' }),
    want: { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1024 },
  },
  {
    name: 'empty system array gives no system message',
    request: messagesRequest({ system: [] }),
    want: { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1024 },
  },
  {
    name: 'user text and images: base64 becomes a data URL, url stays a URL; null citations ignored',
    request: messagesRequest({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.', citations: null },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pngData }, cache_control: { type: 'ephemeral' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
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
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${pngData}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
      max_tokens: 1024,
    },
  },
  {
    name: 'tool_result blocks become tool messages placed before the user text, whatever their position',
    request: messagesRequest({
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_02', name: 'get_weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Here you go.' },
            { type: 'tool_result', tool_use_id: 'toolu_01', content: '18C, cloudy' },
            { type: 'tool_result', tool_use_id: 'toolu_02', content: [{ type: 'text', text: '24C' }, { type: 'text', text: 'sunny' }] },
            { type: 'text', text: 'Summarise.' },
          ],
        },
      ],
    }),
    want: {
      model,
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_02', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_01', content: '18C, cloudy' },
        {
          role: 'tool',
          tool_call_id: 'toolu_02',
          content: [
            { type: 'text', text: '24C' },
            { type: 'text', text: 'sunny' },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Here you go.' },
            { type: 'text', text: 'Summarise.' },
          ],
        },
      ],
      max_tokens: 1024,
      tools: [openAIWeatherTool],
    },
  },
  {
    name: 'only tool_results: no user message; absent and empty content become empty strings; is_error is marked and keeps the text unprefixed',
    request: messagesRequest({
      messages: [
        { role: 'user', content: 'Go' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'toolu_a', name: 'now', input: {} },
            { type: 'tool_use', id: 'toolu_b', name: 'now', input: {} },
            { type: 'tool_use', id: 'toolu_c', name: 'get_weather', input: { city: 'Oslo' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_a' },
            { type: 'tool_result', tool_use_id: 'toolu_b', content: [], cache_control: { type: 'ephemeral' } },
            { type: 'tool_result', tool_use_id: 'toolu_c', content: 'city not found: Oslo', is_error: true },
          ],
        },
      ],
    }),
    want: {
      model,
      messages: [
        { role: 'user', content: 'Go' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'toolu_a', type: 'function', function: { name: 'now', arguments: '{}' } },
            { id: 'toolu_b', type: 'function', function: { name: 'now', arguments: '{}' } },
            { id: 'toolu_c', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_a', content: '' },
        { role: 'tool', tool_call_id: 'toolu_b', content: '' },
        { role: 'tool', tool_call_id: 'toolu_c', content: 'city not found: Oslo', [toolResultError]: true },
      ],
      max_tokens: 1024,
    },
  },
  {
    name: 'assistant: one text block becomes a string, text with tool_use keeps both, absent input becomes {}',
    request: messagesRequest({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [{ type: 'text', text: 'Hello!' }] },
        { role: 'user', content: 'Time?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            loose({ type: 'tool_use', id: 'toolu_t', name: 'now' }),
          ],
        },
      ],
    }),
    want: {
      model,
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Time?' },
        { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'toolu_t', type: 'function', function: { name: 'now', arguments: '{}' } }] },
      ],
      max_tokens: 1024,
    },
  },
  {
    name: 'assistant: several text blocks become text parts (a prefill)',
    request: messagesRequest({
      messages: [
        { role: 'user', content: 'List three colours as JSON.' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Here:' },
            { type: 'text', text: '{"colours": [' },
          ],
        },
      ],
    }),
    want: {
      model,
      messages: [
        { role: 'user', content: 'List three colours as JSON.' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Here:' },
            { type: 'text', text: '{"colours": [' },
          ],
        },
      ],
      max_tokens: 1024,
    },
  },
  {
    name: 'tools: description and strict only when present; type custom and null are function tools',
    request: messagesRequest({
      tools: [
        weatherTool,
        { name: 'now', input_schema: { type: 'object', properties: {} }, type: 'custom', strict: true },
        { name: 'noop', input_schema: { type: 'object' }, type: null, cache_control: { type: 'ephemeral' } },
      ],
    }),
    want: {
      model,
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 1024,
      tools: [
        openAIWeatherTool,
        { type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} }, strict: true } },
        { type: 'function', function: { name: 'noop', parameters: { type: 'object' } } },
      ],
    },
  },
  {
    name: 'tool_choice auto',
    request: messagesRequest({ tools: [weatherTool], tool_choice: { type: 'auto' } }),
    want: { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1024, tools: [openAIWeatherTool], tool_choice: 'auto' },
  },
  {
    name: 'tool_choice any becomes required; disable_parallel_tool_use becomes parallel_tool_calls false',
    request: messagesRequest({ tools: [weatherTool], tool_choice: { type: 'any', disable_parallel_tool_use: true } }),
    want: {
      model,
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 1024,
      tools: [openAIWeatherTool],
      tool_choice: 'required',
      parallel_tool_calls: false,
    },
  },
  {
    name: 'tool_choice tool names the function; disable_parallel_tool_use false adds nothing',
    request: messagesRequest({ tools: [weatherTool], tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: false } }),
    want: {
      model,
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 1024,
      tools: [openAIWeatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    },
  },
  {
    name: 'tool_choice none',
    request: messagesRequest({ tools: [weatherTool], tool_choice: { type: 'none' } }),
    want: { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1024, tools: [openAIWeatherTool], tool_choice: 'none' },
  },
  {
    name: 'tool_choice auto without tools',
    request: messagesRequest({ tool_choice: { type: 'auto' } }),
    want: { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1024, tool_choice: 'auto' },
  },
  {
    name: 'stop_sequences, temperature, top_p, metadata.user_id',
    request: messagesRequest({ stop_sequences: ['END', '\n\nHuman:'], temperature: 0.2, top_p: 0.9, metadata: { user_id: 'user-42' } }),
    want: {
      model,
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 1024,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END', '\n\nHuman:'],
      user: 'user-42',
    },
  },
  {
    name: 'temperature 0 is kept',
    request: messagesRequest({ temperature: 0 }),
    want: { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1024, temperature: 0 },
  },
  {
    name: 'empty stop_sequences and null user_id add nothing',
    request: messagesRequest({ stop_sequences: [], metadata: { user_id: null } }),
    want: { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1024 },
  },
  {
    name: 'empty user_id adds nothing',
    request: messagesRequest({ metadata: { user_id: '' } }),
    want: { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1024 },
  },
  {
    name: 'thinking disabled, service_tier, cache_control, null effort and null format change nothing',
    request: messagesRequest({
      thinking: { type: 'disabled' },
      service_tier: 'standard_only',
      cache_control: { type: 'ephemeral' },
      output_config: { effort: null, format: null },
    }),
    want: { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1024 },
  },
  {
    name: 'output_config json_schema format becomes a strict json_schema response_format',
    request: messagesRequest({ output_config: { format: { type: 'json_schema', schema: weatherSchema } } }),
    want: {
      model,
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 1024,
      response_format: { type: 'json_schema', json_schema: { name: 'output', schema: weatherSchema, strict: true } },
    },
  },
];

for (const c of cases) {
  test(`chatRequestOf: ${c.name}`, () => {
    assert.deepEqual(chatRequestOf(c.request), c.want);
  });
}

test('chatRequestOf: model and messages come first, then every other field', () => {
  const got = chatRequestOf(
    messagesRequest({
      metadata: { user_id: 'u' },
      output_config: { format: { type: 'json_schema', schema: weatherSchema } },
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      tools: [weatherTool],
      stop_sequences: ['END'],
      top_p: 0.5,
      temperature: 0.5,
      system: 'Be brief.',
      stream: true,
    }),
  );
  assert.deepEqual(Object.keys(got), [
    'model',
    'messages',
    'max_tokens',
    'stream',
    'temperature',
    'top_p',
    'stop',
    'tools',
    'tool_choice',
    'parallel_tool_calls',
    'response_format',
    'user',
  ]);
});

test('chatRequestOf: tool messages keep the key order role, tool_call_id, content', () => {
  const got = chatRequestOf(messagesRequest({ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'x' }] }] }));
  assert.deepEqual(Object.keys(got.messages[0] ?? {}), ['role', 'tool_call_id', 'content']);
});

// ---- refusals --------------------------------------------------------------------------

const refusals: { name: string; request: MessagesRequest; code: ErrorCode; param: string; mentions: readonly string[] }[] = [
  ...(
    [
      ['document', { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'A report.' } }, 'documents'],
      ['search_result', { type: 'search_result', source: 'https://example.com', title: 'Example', content: [] }, 'search results'],
      ['container_upload', { type: 'container_upload', file_id: 'file_011' }, 'containers'],
      ['a type Anthropic may add later', { type: 'hologram', data: 'x' }, '"hologram" blocks'],
    ] as const
  ).map(([name, block, missing]) => ({
    name: `user block ${name}`,
    request: messagesRequest({ messages: [{ role: 'user', content: [{ type: 'text', text: 'Read this.' }, loose(block)] }] }),
    code: 'REQ_UNSUPPORTED' as const,
    param: 'messages.0.content.1.type',
    mentions: ['messages.0.content.1', `block type "${block.type}"`, `which has no ${missing}`],
  })),
  ...(
    [
      ['thinking', { type: 'thinking', thinking: 'Let me think.', signature: 'EqQBCgIYAhIM' }, 'extended thinking'],
      ['redacted_thinking', { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' }, 'extended thinking'],
      ['server_tool_use', { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'x' } }, 'Anthropic server tools'],
      ['web_search_tool_result', { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [] }, 'Anthropic server tools'],
      ['mcp_tool_use', { type: 'mcp_tool_use', id: 'mcptoolu_1', name: 'x', server_name: 's', input: {} }, 'MCP connectors'],
    ] as const
  ).map(([name, block, missing]) => ({
    name: `assistant block ${name}`,
    request: messagesRequest({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [loose(block), { type: 'text', text: 'Answer.' }] },
      ],
    }),
    code: 'REQ_UNSUPPORTED' as const,
    param: 'messages.1.content.0.type',
    mentions: ['messages.1.content.0', `block type "${block.type}"`, `which has no ${missing}`],
  })),
  {
    name: 'image with a file source',
    request: messagesRequest({ messages: [{ role: 'user', content: [loose({ type: 'image', source: { type: 'file', file_id: 'file_011' } })] }] }),
    code: 'REQ_UNSUPPORTED',
    param: 'messages.0.content.0.source.type',
    mentions: ['messages.0.content.0', 'image source type "file"', 'URLs or base64'],
  },
  {
    name: 'image inside a tool_result',
    request: messagesRequest({
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_1',
              content: [
                { type: 'text', text: 'Screenshot:' },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pngData } },
              ],
            },
          ],
        },
      ],
    }),
    code: 'REQ_UNSUPPORTED',
    param: 'messages.0.content.0.content.1.type',
    mentions: ['messages.0.content.0.content.1', 'block type "image" inside a tool_result', 'text only'],
  },
  {
    name: 'document inside a tool_result',
    request: messagesRequest({
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'document' }] }] }],
    }),
    code: 'REQ_UNSUPPORTED',
    param: 'messages.0.content.0.content.0.type',
    mentions: ['block type "document" inside a tool_result', 'text only'],
  },
  {
    name: 'text block with citations',
    request: messagesRequest({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [loose({ type: 'text', text: 'The sky is blue.', citations: [{ type: 'char_location', cited_text: 'blue' }] })] },
      ],
    }),
    code: 'REQ_UNSUPPORTED',
    param: 'messages.1.content.0.citations',
    mentions: ['messages.1.content.0', 'citations'],
  },
  {
    name: 'server tool web_search',
    request: messagesRequest({ tools: [weatherTool, loose({ type: 'web_search_20250305', name: 'web_search', max_uses: 5 })] }),
    code: 'REQ_UNSUPPORTED',
    param: 'tools.1.type',
    mentions: ['tools.1', 'tool type "web_search_20250305"', 'Anthropic server tool'],
  },
  {
    name: 'server tool bash',
    request: messagesRequest({ tools: [loose({ type: 'bash_20250124', name: 'bash' })] }),
    code: 'REQ_UNSUPPORTED',
    param: 'tools.0.type',
    mentions: ['tools.0', 'tool type "bash_20250124"'],
  },
  {
    name: 'top_k',
    request: messagesRequest({ top_k: 40 }),
    code: 'REQ_UNSUPPORTED',
    param: 'top_k',
    mentions: ['top_k', 'OpenAI chat shape'],
  },
  {
    name: 'thinking enabled',
    request: messagesRequest({ thinking: { type: 'enabled', budget_tokens: 2048 } }),
    code: 'REQ_UNSUPPORTED',
    param: 'thinking',
    mentions: ['thinking of type "enabled"', 'extended thinking'],
  },
  {
    name: 'thinking adaptive',
    request: messagesRequest({ thinking: { type: 'adaptive' } }),
    code: 'REQ_UNSUPPORTED',
    param: 'thinking',
    mentions: ['thinking of type "adaptive"'],
  },
  {
    name: 'output_config.effort',
    request: messagesRequest({ output_config: { effort: 'high' } }),
    code: 'REQ_UNSUPPORTED',
    param: 'output_config.effort',
    mentions: ['output_config.effort "high"', 'effort'],
  },
  {
    name: 'output_config.format of another type',
    request: messagesRequest({ output_config: { format: loose({ type: 'grammar', schema: {} }) } }),
    code: 'REQ_UNSUPPORTED',
    param: 'output_config.format.type',
    mentions: ['"grammar"', 'json_schema'],
  },
  {
    name: 'user message with an empty content array',
    request: messagesRequest({ messages: [{ role: 'user', content: [] }] }),
    code: 'REQ_INVALID',
    param: 'messages.0.content',
    mentions: ['messages.0.content', 'at least one content block'],
  },
  {
    name: 'assistant message with an empty content array',
    request: messagesRequest({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: [] }] }),
    code: 'REQ_INVALID',
    param: 'messages.1.content',
    mentions: ['messages.1.content'],
  },
  {
    name: 'tool_result in an assistant message',
    request: messagesRequest({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [{ type: 'text', text: 'x' }, { type: 'tool_result', tool_use_id: 'toolu_1', content: 'r' }] },
      ],
    }),
    code: 'REQ_INVALID',
    param: 'messages.1.content.1.type',
    mentions: ['messages.1.content.1', 'tool_result', 'assistant message'],
  },
  {
    name: 'image in an assistant message',
    request: messagesRequest({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }] },
      ],
    }),
    code: 'REQ_INVALID',
    param: 'messages.1.content.0.type',
    mentions: ['messages.1.content.0', 'image', 'assistant message'],
  },
  {
    name: 'tool_use in a user message',
    request: messagesRequest({ messages: [{ role: 'user', content: [{ type: 'tool_use', id: 'toolu_1', name: 'now', input: {} }] }] }),
    code: 'REQ_INVALID',
    param: 'messages.0.content.0.type',
    mentions: ['messages.0.content.0', 'tool_use', 'user message'],
  },
  {
    name: 'text block without text',
    request: messagesRequest({ messages: [{ role: 'user', content: [loose({ type: 'text' })] }] }),
    code: 'REQ_INVALID',
    param: 'messages.0.content.0.text',
    mentions: ['messages.0.content.0.text'],
  },
  {
    name: 'tool_use without an id',
    request: messagesRequest({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: [loose({ type: 'tool_use', name: 'now', input: {} })] }] }),
    code: 'REQ_INVALID',
    param: 'messages.1.content.0.id',
    mentions: ['messages.1.content.0.id'],
  },
  {
    name: 'tool_result without a tool_use_id',
    request: messagesRequest({ messages: [{ role: 'user', content: [loose({ type: 'tool_result', content: 'r' })] }] }),
    code: 'REQ_INVALID',
    param: 'messages.0.content.0.tool_use_id',
    mentions: ['messages.0.content.0.tool_use_id'],
  },
  {
    name: 'tool_result content that is neither string nor array',
    request: messagesRequest({ messages: [{ role: 'user', content: [loose({ type: 'tool_result', tool_use_id: 't', content: 42 })] }] }),
    code: 'REQ_INVALID',
    param: 'messages.0.content.0.content',
    mentions: ['messages.0.content.0.content'],
  },
  {
    name: 'tool_result whose is_error is not a boolean',
    request: messagesRequest({ messages: [{ role: 'user', content: [loose({ type: 'tool_result', tool_use_id: 't', content: 'r', is_error: 'yes' })] }] }),
    code: 'REQ_INVALID',
    param: 'messages.0.content.0.is_error',
    mentions: ['messages.0.content.0.is_error must be a boolean'],
  },
  {
    name: 'tool_result content block without a type',
    request: messagesRequest({ messages: [{ role: 'user', content: [loose({ type: 'tool_result', tool_use_id: 't', content: [{ text: 'r' }] })] }] }),
    code: 'REQ_INVALID',
    param: 'messages.0.content.0.content.0.type',
    mentions: ['messages.0.content.0.content.0'],
  },
  {
    name: 'image without a source',
    request: messagesRequest({ messages: [{ role: 'user', content: [loose({ type: 'image' })] }] }),
    code: 'REQ_INVALID',
    param: 'messages.0.content.0.source',
    mentions: ['messages.0.content.0', 'source'],
  },
  {
    name: 'base64 image without data',
    request: messagesRequest({ messages: [{ role: 'user', content: [loose({ type: 'image', source: { type: 'base64', media_type: 'image/png' } })] }] }),
    code: 'REQ_INVALID',
    param: 'messages.0.content.0.source.data',
    mentions: ['messages.0.content.0.source.data'],
  },
  {
    name: 'url image without a url',
    request: messagesRequest({ messages: [{ role: 'user', content: [loose({ type: 'image', source: { type: 'url' } })] }] }),
    code: 'REQ_INVALID',
    param: 'messages.0.content.0.source.url',
    mentions: ['messages.0.content.0.source.url'],
  },
  {
    name: 'system block that is not text',
    request: messagesRequest({ system: [loose({ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } })] }),
    code: 'REQ_INVALID',
    param: 'system.0.type',
    mentions: ['system.0', '"image"'],
  },
  {
    name: 'tool_choice any without tools',
    request: messagesRequest({ tool_choice: { type: 'any' } }),
    code: 'REQ_INVALID',
    param: 'tool_choice',
    mentions: ['"any"', 'needs tools'],
  },
  {
    name: 'tool_choice naming a tool that is not declared',
    request: messagesRequest({ tools: [weatherTool], tool_choice: { type: 'tool', name: 'get_time' } }),
    code: 'REQ_INVALID',
    param: 'tool_choice.name',
    mentions: ['"get_time"', 'names no tool'],
  },
  {
    name: 'tool_choice of an unknown type',
    request: messagesRequest({ tools: [weatherTool], tool_choice: loose({ type: 'some' }) }),
    code: 'REQ_INVALID',
    param: 'tool_choice.type',
    mentions: ['"some"'],
  },
];

for (const c of refusals) {
  test(`chatRequestOf refuses: ${c.name}`, () => {
    assert.throws(
      () => chatRequestOf(c.request),
      (err: unknown) => {
        assert.ok(err instanceof WarmpathError, `expected a WarmpathError, got ${String(err)}`);
        assert.equal(err.code, c.code);
        assert.equal(err.status, 400);
        assert.equal(err.param, c.param);
        for (const mention of c.mentions) assert.ok(err.message.includes(mention), `message ${JSON.stringify(err.message)} should mention ${mention}`);
        return true;
      },
    );
  });
}

test('chatRequestOf: the refusal of a document says why, in full', () => {
  assert.throws(
    () => chatRequestOf(messagesRequest({ messages: [{ role: 'user', content: 'Hi' }, { role: 'user', content: [loose({ type: 'document' })] }] })),
    {
      message:
        'not supported through warmpath: messages.1.content.0: block type "document" cannot be routed: warmpath routes requests in the OpenAI chat shape, which has no documents',
    },
  );
});

test('chatRequestOf: does not alter the request it translates', () => {
  const request = messagesRequest({
    system: [{ type: 'text', text: 'Be brief.' }],
    stop_sequences: ['END'],
    tools: [weatherTool],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'tool_result', tool_use_id: 't', content: 'r' }] }],
  });
  const before = structuredClone(request);
  const got = chatRequestOf(request);
  assert.deepEqual(request, before);
  assert.notEqual(got.stop, request.stop_sequences);
});
