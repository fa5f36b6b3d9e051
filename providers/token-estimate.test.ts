import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatMessage, ChatRequest } from '../schemas/index.ts';
import { estimateInputTokens, IMAGE_TOKEN_ESTIMATE } from './token-estimate.ts';

const request = (messages: ChatMessage[], extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'support', messages, ...extra });
const user = (content: ChatMessage['content']): ChatMessage => ({ role: 'user', content });

// o200k_base: "user" 1 token, "hello world" 2, "hi" 1, "system" 1, "be brief" 2, "get_weather" 2,
// {"city":"Paris"} 5; every message adds 3 and the reply's priming 3 (OpenAI's chat format).
const absoluteCases: { name: string; request: ChatRequest; tokens: number }[] = [
  { name: 'one user message', request: request([user('hello world')]), tokens: 1 + 2 + 3 + 3 },
  { name: 'system and user', request: request([{ role: 'system', content: 'be brief' }, user('hi')]), tokens: 1 + 2 + 3 + (1 + 1 + 3) + 3 },
  { name: 'text parts count as their text', request: request([user([{ type: 'text', text: 'hello world' }])]), tokens: 1 + 2 + 3 + 3 },
  { name: 'an empty message still costs its role and framing', request: request([user('')]), tokens: 1 + 3 + 3 },
];

for (const c of absoluteCases) {
  test(`estimate: ${c.name}`, async () => {
    assert.equal(await estimateInputTokens(c.request), c.tokens);
  });
}

const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const base = request([user('weather in Paris?')]);

/** What a part of a request adds to the estimate of the same request without it. */
const addedCases: { name: string; request: ChatRequest; added: number | ((n: number) => boolean) }[] = [
  { name: 'each image adds the fixed image estimate', request: request([user([{ type: 'text', text: 'weather in Paris?' }, { type: 'image_url', image_url: { url: 'https://x/a.png' } }, { type: 'image_url', image_url: { url: 'https://x/b.png' } }])]), added: 2 * IMAGE_TOKEN_ESTIMATE },
  {
    name: 'an assistant tool call adds its name, its arguments and 3',
    request: request([user('weather in Paris?'), { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }]),
    // the assistant turn itself: role 1 + framing 3; the call: 2 + 5 + 3
    added: 1 + 3 + 2 + 5 + 3,
  },
  { name: 'a participant name adds its tokens and 1', request: request([{ role: 'user', content: 'weather in Paris?', name: 'hi' }]), added: 1 + 1 },
  { name: 'tools add their definitions (TypeScript namespace form)', request: { ...base, tools: [weather] }, added: (n) => n > 20 && n < 60 },
  { name: 'a json_schema response format adds its schema', request: { ...base, response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object', properties: { city: { type: 'string' } } } } } }, added: (n) => n >= 10 },
  { name: 'sampling parameters add nothing', request: { ...base, temperature: 0.2, max_tokens: 100, stop: ['END'] }, added: 0 },
];

test('estimate: the base request of the added-parts table', async () => {
  assert.ok((await estimateInputTokens(base)) > 0);
});

for (const c of addedCases) {
  test(`estimate: ${c.name}`, async () => {
    const added = (await estimateInputTokens(c.request)) - (await estimateInputTokens(base));
    if (typeof c.added === 'number') assert.equal(added, c.added);
    else assert.ok(c.added(added), `added ${added}`);
  });
}

test('estimate: tool_choice none and a named tool_choice each differ from auto by their overhead', async () => {
  const auto = await estimateInputTokens({ ...base, tools: [weather], tool_choice: 'auto' });
  assert.equal(await estimateInputTokens({ ...base, tools: [weather], tool_choice: 'none' }), auto + 1);
  assert.equal(await estimateInputTokens({ ...base, tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } }), auto + 2 + 4);
});

test('estimate: text that spells a special token is counted as text, not refused', async () => {
  const n = await estimateInputTokens(request([user('<|endoftext|>')]));
  assert.equal(n, 1 + 7 + 3 + 3);
  const call = await estimateInputTokens(request([{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'get_weather', arguments: '<|endoftext|>' } }] }]));
  assert.equal(call, 1 + 3 + (2 + 7 + 3) + 3);
});
