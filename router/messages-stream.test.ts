import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Anthropic, APIError } from '@anthropic-ai/sdk';
import { UpstreamStreamError } from '../providers/index.ts';
import type { ChatCompletionChunk, ChunkDelta, FinishReason, MessagesAnswerBlock, MessagesStopReason, MessagesUsage, Usage } from '../schemas/index.ts';
import { MessagesStreamWriter } from './messages-stream.ts';
import { parseNamedSse, type SseEvent } from '../test/helpers/sse.ts';

const id = 'msg_0b6e4c1a9f2d4e7b8c3a5d6e7f8a9b0c';
const model = 'gpt-4.1-2025-04-14';

function chunk(delta: ChunkDelta, finish: FinishReason | null = null, fields: Partial<ChatCompletionChunk> = {}): ChatCompletionChunk {
  return {
    id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
    object: 'chat.completion.chunk',
    created: 1741570283,
    model,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    ...fields,
  };
}

function usageChunk(usage: Usage): ChatCompletionChunk {
  return chunk({}, null, { choices: [], usage });
}

const roleChunk = chunk({ role: 'assistant', content: '', refusal: null });
const usage = usageChunk({ prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 });

/** The whole SSE text the writer produces for `chunks`, end included; `stopSequence` rides on the finishing chunk. */
function sseText(chunks: readonly ChatCompletionChunk[], stopSequence?: string): string {
  const writer = new MessagesStreamWriter(id);
  const finishing = (c: ChatCompletionChunk) => c.choices.some((choice) => choice.finish_reason !== null && choice.finish_reason !== undefined);
  return chunks.map((c) => writer.chunk(c, finishing(c) ? stopSequence : undefined)).join('') + writer.end();
}

function messageStart(startModel = model): SseEvent {
  return {
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model: startModel,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    },
  };
}

const textStart = (index: number): SseEvent => ({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
const textDelta = (index: number, text: string): SseEvent => ({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
const toolStart = (index: number, toolId: string, name: string): SseEvent => ({
  type: 'content_block_start',
  index,
  content_block: { type: 'tool_use', id: toolId, name, input: {} },
});
const jsonDelta = (index: number, partial: string): SseEvent => ({
  type: 'content_block_delta',
  index,
  delta: { type: 'input_json_delta', partial_json: partial },
});
const blockStop = (index: number): SseEvent => ({ type: 'content_block_stop', index });
const messageEnd = (stopReason: MessagesStopReason | null, tokens: MessagesUsage, stopSequence: string | null = null): SseEvent[] => [
  { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: stopSequence }, usage: tokens },
  { type: 'message_stop' },
];
const tokens = { input_tokens: 19, output_tokens: 10 };

/** What an Anthropic SDK client accumulates from the stream. */
interface FinalMessage {
  readonly content: readonly MessagesAnswerBlock[];
  readonly stop_reason: MessagesStopReason | null;
  readonly usage: MessagesUsage;
}

const cases: { name: string; chunks: ChatCompletionChunk[]; stopSequence?: string; events: SseEvent[]; message: FinalMessage }[] = [
  {
    name: 'text in several deltas, empty deltas, then finish and usage',
    chunks: [roleChunk, chunk({ content: 'Hello' }), chunk({}), chunk({ content: ', world!' }), chunk({}, 'stop'), usage],
    events: [messageStart(), textStart(0), textDelta(0, 'Hello'), textDelta(0, ', world!'), blockStop(0), ...messageEnd('end_turn', tokens)],
    message: { content: [{ type: 'text', text: 'Hello, world!' }], stop_reason: 'end_turn', usage: tokens },
  },
  {
    name: "one tool call whose arguments arrive in several fragments (OpenAI's own shape)",
    chunks: [
      chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_DdmO9pD3', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty": "Pa' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'ris", "days": [1, 2]}' } }] }),
      chunk({}, 'tool_calls'),
      usageChunk({ prompt_tokens: 80, completion_tokens: 17, total_tokens: 97 }),
    ],
    events: [
      messageStart(),
      toolStart(0, 'call_DdmO9pD3', 'get_weather'),
      jsonDelta(0, '{"ci'),
      jsonDelta(0, 'ty": "Pa'),
      jsonDelta(0, 'ris", "days": [1, 2]}'),
      blockStop(0),
      ...messageEnd('tool_use', { input_tokens: 80, output_tokens: 17 }),
    ],
    message: {
      content: [{ type: 'tool_use', id: 'call_DdmO9pD3', name: 'get_weather', input: { city: 'Paris', days: [1, 2] } }],
      stop_reason: 'tool_use',
      usage: { input_tokens: 80, output_tokens: 17 },
    },
  },
  {
    name: 'text followed by two tool calls, usage in the finishing chunk',
    chunks: [
      roleChunk,
      chunk({ content: 'Let me check ' }),
      chunk({ content: 'both.' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '{"city":"Rome"}' } }] }),
      chunk({}, 'tool_calls', { usage: { prompt_tokens: 120, completion_tokens: 44, total_tokens: 164 } }),
    ],
    events: [
      messageStart(),
      textStart(0),
      textDelta(0, 'Let me check '),
      textDelta(0, 'both.'),
      blockStop(0),
      toolStart(1, 'call_1', 'get_weather'),
      jsonDelta(1, '{"city":'),
      jsonDelta(1, '"Paris"}'),
      blockStop(1),
      toolStart(2, 'call_2', 'get_weather'),
      jsonDelta(2, '{"city":"Rome"}'),
      blockStop(2),
      ...messageEnd('tool_use', { input_tokens: 120, output_tokens: 44 }),
    ],
    message: {
      content: [
        { type: 'text', text: 'Let me check both.' },
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
      ],
      stop_reason: 'tool_use',
      usage: { input_tokens: 120, output_tokens: 44 },
    },
  },
  {
    name: 'two whole tool calls in one delta, and a call without arguments',
    chunks: [
      chunk(
        {
          tool_calls: [
            { index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
            { index: 1, id: 'call_b', type: 'function', function: { name: 'now' } },
          ],
        },
        'tool_calls',
      ),
      usage,
    ],
    events: [
      messageStart(),
      toolStart(0, 'call_a', 'get_weather'),
      jsonDelta(0, '{"city":"Oslo"}'),
      blockStop(0),
      toolStart(1, 'call_b', 'now'),
      blockStop(1),
      ...messageEnd('tool_use', tokens),
    ],
    message: {
      content: [
        { type: 'tool_use', id: 'call_a', name: 'get_weather', input: { city: 'Oslo' } },
        { type: 'tool_use', id: 'call_b', name: 'now', input: {} },
      ],
      stop_reason: 'tool_use',
      usage: tokens,
    },
  },
  {
    name: 'id and name repeated on later deltas of the same call change nothing',
    chunks: [
      chunk({ tool_calls: [{ index: 0, id: 'call_r', type: 'function', function: { name: 'now', arguments: '{"tz":' } }] }),
      chunk({ tool_calls: [{ index: 0, id: 'call_r', type: 'function', function: { name: 'now', arguments: '"CET"}' } }] }),
      chunk({}, 'tool_calls'),
      usage,
    ],
    events: [messageStart(), toolStart(0, 'call_r', 'now'), jsonDelta(0, '{"tz":'), jsonDelta(0, '"CET"}'), blockStop(0), ...messageEnd('tool_use', tokens)],
    message: { content: [{ type: 'tool_use', id: 'call_r', name: 'now', input: { tz: 'CET' } }], stop_reason: 'tool_use', usage: tokens },
  },
  {
    name: 'text after a tool call opens a new text block',
    chunks: [
      chunk({ tool_calls: [{ index: 0, id: 'call_x', type: 'function', function: { name: 'now', arguments: '{}' } }] }),
      chunk({ content: 'Done.' }),
      chunk({}, 'stop'),
      usage,
    ],
    events: [messageStart(), toolStart(0, 'call_x', 'now'), jsonDelta(0, '{}'), blockStop(0), textStart(1), textDelta(1, 'Done.'), blockStop(1), ...messageEnd('end_turn', tokens)],
    message: {
      content: [
        { type: 'tool_use', id: 'call_x', name: 'now', input: {} },
        { type: 'text', text: 'Done.' },
      ],
      stop_reason: 'end_turn',
      usage: tokens,
    },
  },
  {
    name: 'a refusal is text and makes the stop reason refusal',
    chunks: [roleChunk, chunk({ refusal: "I'm sorry, " }), chunk({ refusal: "I can't help with that." }), chunk({}, 'stop'), usage],
    events: [messageStart(), textStart(0), textDelta(0, "I'm sorry, "), textDelta(0, "I can't help with that."), blockStop(0), ...messageEnd('refusal', tokens)],
    message: { content: [{ type: 'text', text: "I'm sorry, I can't help with that." }], stop_reason: 'refusal', usage: tokens },
  },
  {
    name: 'length without a usage chunk: max_tokens and zero tokens',
    chunks: [chunk({ content: 'Once upon a' }), chunk({}, 'length')],
    events: [messageStart(), textStart(0), textDelta(0, 'Once upon a'), blockStop(0), ...messageEnd('max_tokens', { input_tokens: 0, output_tokens: 0 })],
    message: { content: [{ type: 'text', text: 'Once upon a' }], stop_reason: 'max_tokens', usage: { input_tokens: 0, output_tokens: 0 } },
  },
  {
    name: 'choices other than index 0 are left out',
    chunks: [
      chunk({ content: 'first' }, null, {
        choices: [
          { index: 1, delta: { content: 'second' }, finish_reason: null },
          { index: 0, delta: { content: 'first' }, finish_reason: null },
        ],
      }),
      chunk({}, null, { choices: [{ index: 1, delta: {}, finish_reason: 'length' }] }),
      chunk({}, 'stop'),
    ],
    events: [messageStart(), textStart(0), textDelta(0, 'first'), blockStop(0), ...messageEnd('end_turn', { input_tokens: 0, output_tokens: 0 })],
    message: { content: [{ type: 'text', text: 'first' }], stop_reason: 'end_turn', usage: { input_tokens: 0, output_tokens: 0 } },
  },
  {
    name: 'a stop sequence the upstream named',
    chunks: [roleChunk, chunk({ content: 'Paris' }), chunk({}, 'stop'), usage],
    stopSequence: '</answer>',
    events: [messageStart(), textStart(0), textDelta(0, 'Paris'), blockStop(0), ...messageEnd('stop_sequence', tokens, '</answer>')],
    message: { content: [{ type: 'text', text: 'Paris' }], stop_reason: 'stop_sequence', usage: tokens },
  },
  {
    name: 'a stop sequence beside max_tokens: max_tokens',
    chunks: [roleChunk, chunk({ content: 'Once upon a' }), chunk({}, 'length'), usage],
    stopSequence: 'END',
    events: [messageStart(), textStart(0), textDelta(0, 'Once upon a'), blockStop(0), ...messageEnd('max_tokens', tokens)],
    message: { content: [{ type: 'text', text: 'Once upon a' }], stop_reason: 'max_tokens', usage: tokens },
  },
  {
    name: 'an answer without content',
    chunks: [roleChunk, chunk({}, 'stop'), usage],
    events: [messageStart(), ...messageEnd('end_turn', tokens)],
    message: { content: [], stop_reason: 'end_turn', usage: tokens },
  },
];

for (const c of cases) {
  test(`stream events: ${c.name}`, () => {
    assert.deepEqual(parseNamedSse(sseText(c.chunks, c.stopSequence)), c.events);
  });
}

// ---- wire compatibility: the official Anthropic SDK reads the writer's text -------------

/** An SDK client whose every request is answered with `body` as an event stream. */
function sdkClient(body: string): Anthropic {
  return new Anthropic({
    apiKey: 'sk-ant-test',
    maxRetries: 0,
    fetch: async () => new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream', 'request-id': 'req_test' } }),
  });
}

const params = { model: 'claude-sonnet-5-5', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'Hi' }] };

for (const c of cases) {
  test(`Anthropic SDK accumulates: ${c.name}`, async () => {
    const final = await sdkClient(sseText(c.chunks, c.stopSequence)).messages.stream(params).finalMessage();
    assert.equal(final.id, id);
    assert.equal(final.model, model);
    assert.equal(final.stop_sequence, c.message.stop_reason === 'stop_sequence' ? c.stopSequence : null);
    assert.deepEqual(
      { content: final.content.map((block) => ({ ...block })), stop_reason: final.stop_reason, usage: { ...final.usage } },
      c.message,
    );
  });
}

for (const c of cases) {
  test(`Anthropic SDK parses every event as written: ${c.name}`, async () => {
    const events: unknown[] = [];
    for await (const event of await sdkClient(sseText(c.chunks, c.stopSequence)).messages.create({ ...params, stream: true })) events.push(event);
    assert.deepEqual(events, c.events);
  });
}

test('Anthropic SDK: a stream that ends with an error event rejects with the error type and body', async () => {
  const writer = new MessagesStreamWriter(id);
  const text = writer.chunk(chunk({ content: 'Partial' })) + writer.error(529, 'upstream stream broke after it started', 'RTR_STREAM_TRUNCATED');
  const stream = sdkClient(text).messages.stream(params);
  const seen: string[] = [];
  stream.on('text', (delta) => seen.push(delta));
  await assert.rejects(stream.finalMessage(), (err: unknown) => {
    assert.ok(err instanceof APIError, `expected an APIError, got ${String(err)}`);
    assert.equal(err.type, 'overloaded_error');
    assert.deepEqual(err.error, {
      type: 'error',
      error: { type: 'overloaded_error', message: 'upstream stream broke after it started', code: 'RTR_STREAM_TRUNCATED' },
    });
    return true;
  });
  assert.deepEqual(seen, ['Partial']);
});

test('Anthropic SDK: a stream that saw no chunk is still a whole, empty message', async () => {
  const final = await sdkClient(new MessagesStreamWriter(id).end()).messages.stream(params).finalMessage();
  assert.deepEqual({ id: final.id, model: final.model, content: final.content, stop_reason: final.stop_reason }, { id, model: '', content: [], stop_reason: null });
});

// ---- the exact wire text and the writer's life cycle -----------------------------------

test('stream: each event is "event: NAME", "data: JSON" and a blank line', () => {
  const writer = new MessagesStreamWriter('msg_1');
  assert.equal(
    writer.chunk(chunk({ content: 'Hi' })),
    'event: message_start\n' +
      'data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"gpt-4.1-2025-04-14","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}\n\n' +
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n' +
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n',
  );
  assert.equal(
    writer.end(),
    'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":null,"stop_sequence":null},"usage":{"input_tokens":0,"output_tokens":0}}\n\n' +
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
  );
});

test('stream: chunks with nothing to say produce no text once started', () => {
  const writer = new MessagesStreamWriter(id);
  writer.chunk(roleChunk);
  assert.equal(writer.chunk(chunk({})), '');
  assert.equal(writer.chunk(chunk({ content: '', refusal: null, tool_calls: [] })), '');
  assert.equal(writer.chunk(chunk({ content: null })), '');
  assert.equal(writer.chunk(usage), '');
  assert.equal(writer.chunk(chunk({}, 'stop')), '');
});

test('stream: message_start goes out with the first chunk, and only then', () => {
  const writer = new MessagesStreamWriter(id);
  assert.equal(parseNamedSse(writer.chunk(roleChunk))[0]?.type, 'message_start');
  assert.ok(!parseNamedSse(writer.chunk(chunk({ content: 'Hi' }))).some((e) => e.type === 'message_start'));
});

test('stream: end without any chunk sends message_start with an empty model', () => {
  const writer = new MessagesStreamWriter(id);
  assert.deepEqual(parseNamedSse(writer.end()), [messageStart(''), ...messageEnd(null, { input_tokens: 0, output_tokens: 0 })]);
});

const errorEventCases: { name: string; status: number; message: string; code?: string; want: string }[] = [
  {
    name: 'overloaded, with a code',
    status: 529,
    message: 'Overloaded',
    code: 'RTR_STREAM_TRUNCATED',
    want: 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded","code":"RTR_STREAM_TRUNCATED"}}\n\n',
  },
  {
    name: 'a 502 is an api_error, no code',
    status: 502,
    message: 'upstream stream broke',
    want: 'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"upstream stream broke"}}\n\n',
  },
  {
    name: 'a 504 is a timeout_error',
    status: 504,
    message: 'upstream timed out',
    want: 'event: error\ndata: {"type":"error","error":{"type":"timeout_error","message":"upstream timed out"}}\n\n',
  },
];

for (const c of errorEventCases) {
  test(`stream error event: ${c.name}`, () => {
    const writer = new MessagesStreamWriter(id);
    writer.chunk(chunk({ content: 'Partial' }));
    assert.equal(writer.error(c.status, c.message, c.code), c.want);
  });
}

test('stream: an error before any chunk is the error event alone', () => {
  const writer = new MessagesStreamWriter(id);
  assert.deepEqual(parseNamedSse(writer.error(429, 'slow down')), [{ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }]);
});

const afterEndCases: { name: string; finish: (w: MessagesStreamWriter) => string; next: (w: MessagesStreamWriter) => string }[] = [
  { name: 'chunk after end', finish: (w) => w.end(), next: (w) => w.chunk(chunk({ content: 'late' })) },
  { name: 'end after end', finish: (w) => w.end(), next: (w) => w.end() },
  { name: 'end after error', finish: (w) => w.error(502, 'broke'), next: (w) => w.end() },
  { name: 'error after end', finish: (w) => w.end(), next: (w) => w.error(502, 'broke') },
];

for (const c of afterEndCases) {
  test(`stream: ${c.name} throws`, () => {
    const writer = new MessagesStreamWriter(id);
    writer.chunk(chunk({ content: 'Hi' }));
    c.finish(writer);
    assert.throws(() => c.next(writer), /already ended/);
  });
}

// ---- what Anthropic's sequential blocks cannot express ---------------------------------

const start = (index: number, callId: string, name: string, args = ''): ChatCompletionChunk =>
  chunk({ tool_calls: [{ index, id: callId, type: 'function', function: { name, arguments: args } }] });
const fragment = (index: number, args: string): ChatCompletionChunk => chunk({ tool_calls: [{ index, function: { arguments: args } }] });

const malformedCases: { name: string; chunks: ChatCompletionChunk[]; mentions: string }[] = [
  {
    name: 'arguments for a tool call after the next one began',
    chunks: [start(0, 'call_1', 'get_weather'), start(1, 'call_2', 'get_time'), fragment(0, '{"city":"Paris"}')],
    mentions: 'interleaved tool calls',
  },
  {
    name: 'arguments for a tool call after text closed its block',
    chunks: [start(0, 'call_1', 'get_weather', '{"city":'), chunk({ content: 'Meanwhile…' }), fragment(0, '"Paris"}')],
    mentions: 'interleaved tool calls',
  },
  {
    name: 'a tool call that begins without an id',
    chunks: [chunk({ tool_calls: [{ index: 0, type: 'function', function: { name: 'get_weather', arguments: '' } }] })],
    mentions: 'without an id and a name',
  },
  {
    name: 'a tool call that begins without a name',
    chunks: [chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { arguments: '{}' } }] })],
    mentions: 'without an id and a name',
  },
  {
    name: 'a tool call whose name arrives in fragments',
    chunks: [start(0, 'call_1', 'get_'), chunk({ tool_calls: [{ index: 0, function: { name: 'weather' } }] })],
    mentions: 'changed the id or name of tool call 0',
  },
];

for (const c of malformedCases) {
  test(`stream refuses: ${c.name}`, () => {
    const writer = new MessagesStreamWriter(id);
    for (const earlier of c.chunks.slice(0, -1)) writer.chunk(earlier);
    assert.throws(
      () => writer.chunk(c.chunks.at(-1) as ChatCompletionChunk),
      (err: unknown) => {
        assert.ok(err instanceof UpstreamStreamError, `expected an UpstreamStreamError, got ${String(err)}`);
        assert.equal(err.failure.errorClass, 'malformed_response');
        assert.equal(err.failure.status, 200);
        assert.ok(err.message.includes(c.mentions), `message ${JSON.stringify(err.message)} should mention ${c.mentions}`);
        return true;
      },
    );
  });
}
