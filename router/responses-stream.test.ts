import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Response, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { accumulateResponse } from 'openai/lib/responses/ResponseAccumulator';
import { UpstreamStreamError } from '../providers/index.ts';
import type { ChatCompletion, ChatCompletionChunk, ChunkDelta, FinishReason, ResponsesRequest, ToolCallDelta, Usage } from '../schemas/index.ts';
import { ResponseIds, responsesAnswerOf } from './responses-answer.ts';
import { ResponsesStreamWriter } from './responses-stream.ts';
import { parseNamedSse, type SseEvent } from '../test/helpers/sse.ts';

const requestId = '0b6e4c1a-9f2d-4e7b-8c3a-5d6e7f8a9b0c';
const hex = requestId.replaceAll('-', '');
const model = 'gpt-4.1-2025-04-14';
const createdAt = 1_763_769_600;
const request: ResponsesRequest = { model: 'support', input: 'Hello', instructions: 'Be brief.', tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }] };

function chunk(delta: ChunkDelta, finish: FinishReason | null = null, fields: Partial<ChatCompletionChunk> = {}): ChatCompletionChunk {
  return { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1741570283, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], ...fields };
}

function toolDelta(index: number, args: string, head?: { id: string; name: string }): ChatCompletionChunk {
  const call: ToolCallDelta = head === undefined ? { index, function: { arguments: args } } : { index, id: head.id, type: 'function', function: { name: head.name, arguments: args } };
  return chunk({ tool_calls: [call] });
}

function usageChunk(usage: Usage): ChatCompletionChunk {
  return chunk({}, null, { choices: [], usage });
}

const usage = usageChunk({ prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 });

function writer(): ResponsesStreamWriter {
  return new ResponsesStreamWriter(request, new ResponseIds(requestId), createdAt);
}

/** The events the writer sends for `chunks`, end included, numbered 0, 1, 2, … */
function streamed(chunks: readonly ChatCompletionChunk[]): SseEvent[] {
  const w = writer();
  const events = parseNamedSse(chunks.map((c) => w.chunk(c)).join('') + w.end());
  assert.deepEqual(
    events.map((e) => e.sequence_number),
    events.map((_, i) => i),
  );
  return events;
}

/** The Response the OpenAI SDK's own accumulator builds from the events (it checks their order and ids). */
function accumulated(events: readonly SseEvent[]): Response {
  let snapshot: Response | undefined;
  for (const event of events) snapshot = accumulateResponse(event as unknown as ResponseStreamEvent, snapshot);
  assert.ok(snapshot !== undefined);
  return snapshot;
}

/** The non-streaming answer to the same exchange, for comparison. */
function answered(message: ChatCompletion['choices'][number]['message'], finish: FinishReason, u: Usage): unknown {
  const completion: ChatCompletion = { id: 'chatcmpl-1', object: 'chat.completion', created: 1741570283, model, choices: [{ index: 0, message, finish_reason: finish }], usage: u };
  return JSON.parse(JSON.stringify(responsesAnswerOf(completion, request, new ResponseIds(requestId), createdAt)));
}

const u = { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 };

const cases: { name: string; chunks: ChatCompletionChunk[]; types: string[]; same: unknown; status: string }[] = [
  {
    name: 'text in pieces: one message item, one output_text part',
    chunks: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'stop'), usage],
    types: [
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
      'response.output_text.delta', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done',
      'response.output_item.done', 'response.completed',
    ],
    same: answered({ role: 'assistant', content: 'Hello' }, 'stop', u),
    status: 'completed',
  },
  {
    name: 'a refusal: a refusal part, not output_text',
    chunks: [chunk({ role: 'assistant', refusal: "I can't" }), chunk({ refusal: ' help.' }), chunk({}, 'stop'), usage],
    types: [
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
      'response.refusal.delta', 'response.refusal.delta', 'response.refusal.done', 'response.content_part.done',
      'response.output_item.done', 'response.completed',
    ],
    same: answered({ role: 'assistant', content: null, refusal: "I can't help." }, 'stop', u),
    status: 'completed',
  },
  {
    name: 'text then a tool call: the message closes before the function_call item is added',
    chunks: [chunk({ content: 'Checking.' }), toolDelta(0, '', { id: 'call_1', name: 'get_weather' }), toolDelta(0, '{"city":'), toolDelta(0, '"Oslo"}'), chunk({}, 'tool_calls'), usage],
    types: [
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.delta',
      'response.function_call_arguments.done', 'response.output_item.done', 'response.completed',
    ],
    same: answered({ role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] }, 'tool_calls', u),
    status: 'completed',
  },
  {
    name: 'two tool calls whose arguments interleave: each item gets its own',
    chunks: [
      toolDelta(0, '{"city":', { id: 'call_1', name: 'get_weather' }),
      toolDelta(1, '{"city":', { id: 'call_2', name: 'get_weather' }),
      toolDelta(0, '"Oslo"}'),
      toolDelta(1, '"Bergen"}'),
      chunk({}, 'tool_calls'),
      usage,
    ],
    types: [
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.function_call_arguments.delta',
      'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.delta', 'response.function_call_arguments.delta',
      'response.function_call_arguments.done', 'response.output_item.done', 'response.function_call_arguments.done', 'response.output_item.done',
      'response.completed',
    ],
    same: answered(
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Bergen"}' } },
        ],
      },
      'tool_calls',
      u,
    ),
    status: 'completed',
  },
  {
    name: 'a length cut: response.incomplete, the item incomplete, the reason given',
    chunks: [chunk({ content: 'Once upon' }), chunk({}, 'length'), usage],
    types: [
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.incomplete',
    ],
    same: answered({ role: 'assistant', content: 'Once upon' }, 'length', u),
    status: 'incomplete',
  },
];

for (const c of cases) {
  test(`stream: ${c.name}`, () => {
    const events = streamed(c.chunks);
    assert.deepEqual(
      events.map((e) => e.type),
      c.types,
    );
    const last = events.at(-1) as SseEvent;
    assert.deepEqual(last.response, c.same, 'the final event carries what the non-streaming answer would have been');
    const sdkView = accumulated(events);
    assert.equal(sdkView.status, c.status);
    assert.deepEqual(JSON.parse(JSON.stringify(sdkView.output)), (c.same as { output: unknown }).output, "the SDK's accumulation of the deltas agrees");
    const created = events[0] as SseEvent;
    assert.deepEqual((created.response as { status: string; output: unknown[]; usage: unknown }).status, 'in_progress');
    assert.equal((created.response as { id: string }).id, `resp_${hex}`);
  });
}

test('stream: text after a tool call opens a second message item', () => {
  const events = streamed([chunk({ content: 'A' }), toolDelta(0, '{}', { id: 'call_1', name: 'get_weather' }), chunk({ content: 'B' }), chunk({}, 'stop'), usage]);
  const output = (events.at(-1)?.response as Response).output;
  assert.deepEqual(
    output.map((item) => [item.type, item.id]),
    [
      ['message', `msg_${hex}_0`],
      ['function_call', `fc_${hex}_1`],
      ['message', `msg_${hex}_2`],
    ],
  );
  assert.equal(accumulated(events).output.length, 3);
});

test('stream: an upstream that ends without a chunk still gets a whole, empty response', () => {
  const events = streamed([]);
  assert.deepEqual(
    events.map((e) => e.type),
    ['response.created', 'response.in_progress', 'response.completed'],
  );
  const response = events[2]?.response as Response;
  assert.deepEqual(response.output, []);
  assert.equal(response.model, '');
  assert.deepEqual(response.usage, { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 });
});

test('stream: a break ends with one error event, numbered after the rest; nothing may follow', () => {
  const w = writer();
  const before = parseNamedSse(w.chunk(chunk({ content: 'Hel' })));
  const [error, ...rest] = parseNamedSse(w.error('upstream stream broke after it started (route a): reset', 'RTR_STREAM_TRUNCATED'));
  assert.deepEqual(rest, []);
  assert.deepEqual(error, {
    type: 'error',
    code: 'RTR_STREAM_TRUNCATED',
    message: 'upstream stream broke after it started (route a): reset',
    param: null,
    sequence_number: before.length,
  });
  assert.throws(() => w.chunk(chunk({ content: 'lo' })), /already ended/);
  assert.throws(() => w.end(), /already ended/);
});

const malformed: { name: string; chunks: ChatCompletionChunk[]; message: RegExp }[] = [
  { name: 'a tool call that starts without an id', chunks: [chunk({ tool_calls: [{ index: 0, function: { name: 'get_weather', arguments: '' } }] })], message: /without an id and a name/ },
  { name: 'a tool call that starts without a name', chunks: [chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { arguments: '{}' } }] })], message: /without an id and a name/ },
  {
    name: 'a tool call renamed after it began',
    chunks: [toolDelta(0, '', { id: 'call_1', name: 'get_weather' }), toolDelta(0, '{}', { id: 'call_1', name: 'get_time' })],
    message: /changed the id or name of tool call 0/,
  },
];

for (const c of malformed) {
  test(`stream: malformed upstream, ${c.name}`, () => {
    const w = writer();
    assert.throws(
      () => c.chunks.forEach((x) => w.chunk(x)),
      (err: unknown) => err instanceof UpstreamStreamError && err.failure.errorClass === 'malformed_response' && c.message.test(err.failure.message),
    );
  });
}
