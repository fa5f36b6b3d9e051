import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { seededRandom } from '../core/clock.ts';
import type { Clock } from '../core/clock.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, RouteConfig, SimulateConfig, SimulatedBehaviour } from '../schemas/index.ts';
import { answerChunks, effectiveBehaviour, refusalText, simulateAnswer } from './simulated-answer.ts';
import type { SimulatedOutcome } from './simulated-answer.ts';
import { createSimulatedClient } from './simulated.ts';
import { UpstreamStreamError } from './types.ts';
import type { StreamEvent } from './types.ts';

const ajv = new Ajv({ strict: false });
// ajv-formats is CommonJS: under nodenext its plugin function sits on `.default`.
addFormatsPlugin.default(ajv);

const nowMs = Date.parse('2025-06-01T12:00:00Z');
const messages = [
  { role: 'system' as const, content: 'You are a helpful support assistant.' },
  { role: 'user' as const, content: 'How do refunds work for annual subscriptions bought through the reseller portal?' },
];

const ticketSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['category', 'priority', 'summary', 'tags', 'customer', 'escalate', 'score', 'due'],
  properties: {
    category: { type: 'string', enum: ['billing', 'technical', 'account'] },
    priority: { type: 'integer', minimum: 1, maximum: 5 },
    summary: { type: 'string', minLength: 10, maxLength: 80 },
    tags: { type: 'array', minItems: 1, maxItems: 3, items: { type: 'string' } },
    customer: { type: 'object', additionalProperties: false, required: ['email', 'id', 'tier'], properties: { email: { type: 'string', format: 'email' }, id: { type: 'string', format: 'uuid' }, tier: { $ref: '#/$defs/tier' } } },
    escalate: { type: 'boolean' },
    score: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    due: { anyOf: [{ type: 'null' }, { type: 'string', format: 'date-time' }] },
    notes: { type: ['string', 'null'] },
  },
  $defs: { tier: { type: 'string', enum: ['free', 'pro'] } },
};

const toolParameters = {
  type: 'object',
  required: ['order_id', 'amount', 'reasons'],
  properties: {
    order_id: { type: 'string' },
    amount: { type: 'number', minimum: 0, maximum: 500, multipleOf: 0.5 },
    reasons: { type: 'array', items: { type: 'string', enum: ['late', 'broken', 'unwanted'] }, uniqueItems: true },
  },
};

const tools = [
  { type: 'function' as const, function: { name: 'lookup_order', parameters: toolParameters } },
  { type: 'function' as const, function: { name: 'issue_refund', parameters: { type: 'object', properties: { reason: { type: 'string' } } } } },
];

const requests: { name: string; request: ChatRequest }[] = [
  { name: 'text', request: { model: 'm', messages } },
  { name: 'json_object', request: { model: 'm', messages, response_format: { type: 'json_object' } } },
  { name: 'json_schema', request: { model: 'm', messages, response_format: { type: 'json_schema', json_schema: { name: 'ticket', schema: ticketSchema } } } },
  { name: 'tools', request: { model: 'm', messages, tools } },
];

function answer(request: ChatRequest, behaviour: SimulatedBehaviour = {}, seed = 1, model = 'm', at = nowMs) {
  const outcome = simulateAnswer(request, behaviour, seededRandom(seed), model, at);
  assert.equal(outcome.kind, 'answer');
  return outcome as Extract<SimulatedOutcome, { kind: 'answer' }>;
}

function messageOf(completion: ChatCompletion) {
  const choice = completion.choices[0];
  assert.ok(choice !== undefined);
  return { ...choice.message, finish_reason: choice.finish_reason };
}

function contentOf(request: ChatRequest, behaviour: SimulatedBehaviour = {}, seed = 1): string {
  const content = messageOf(answer(request, behaviour, seed).completion).content;
  assert.equal(typeof content, 'string');
  return content as string;
}

const words = (text: string): Set<string> => new Set(text.toLowerCase().match(/[a-z]+/g));

for (const c of requests) {
  test(`${c.name}: same prompt gives the same answer on any route and seed when variability is 0`, () => {
    const a = answer(c.request, { variability: 0 }, 1, 'route-a-model');
    const b = answer(c.request, { variability: 0 }, 99, 'route-b-model');
    assert.deepEqual(messageOf(a.completion), messageOf(b.completion));
    assert.deepEqual(a.completion.usage, b.completion.usage);
    assert.notEqual(a.completion.id, b.completion.id);
    assert.equal(a.completion.model, 'route-a-model');
    assert.match(a.completion.id, /^chatcmpl-sim-[0-9a-f]{16}$/);
    assert.equal(a.completion.created, Math.floor(nowMs / 1000));
  });
}

test('a different prompt gives a different answer', () => {
  const other = { model: 'm', messages: [{ role: 'user' as const, content: 'Which database indexes speed up reporting dashboards?' }] };
  assert.notEqual(contentOf(requests[0]!.request, { variability: 0 }), contentOf(other, { variability: 0 }));
  assert.match(contentOf(other, { variability: 0 }), /^Here is what I found about [a-z, ]*dashboards/);
});

test('variability 0.05 makes answers differ a little but share most words', () => {
  const base = contentOf(requests[0]!.request, { variability: 0 });
  let differing = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const varied = contentOf(requests[0]!.request, { variability: 0.05 }, seed);
    if (varied !== base) differing++;
    const [a, b] = [words(base), words(varied)];
    assert.ok([...a].filter((w) => b.has(w)).length / new Set([...a, ...b]).size >= 0.75, `seed ${seed}: ${varied}`);
  }
  assert.ok(differing >= 10, `only ${differing} of 30 answers differ`);
});

for (const c of [{ verbosity: 0.1, sentences: 1 }, { verbosity: 1, sentences: 3 }, { verbosity: 2, sentences: 6 }]) {
  test(`verbosity ${c.verbosity} gives ${c.sentences} sentences`, () => {
    const content = contentOf(requests[0]!.request, { variability: 0, verbosity: c.verbosity });
    assert.equal(content.split(/(?<=\.) /).length, c.sentences);
  });
}

for (const variability of [0, 0.05, 0.5]) {
  test(`json_schema answers validate against their schema (variability ${variability})`, () => {
    const validate = ajv.compile(ticketSchema);
    for (let seed = 1; seed <= 20; seed++) {
      const request = { ...requests[2]!.request, messages: [{ role: 'user' as const, content: `ticket number ${seed} about billing` }] };
      const value: unknown = JSON.parse(contentOf(request, { variability }, seed));
      assert.ok(validate(value), `${JSON.stringify(value)}: ${ajv.errorsText(validate.errors)}`);
    }
  });
}

test('json_object without a schema answers with answer, confidence and topics', () => {
  const value = JSON.parse(contentOf(requests[1]!.request)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(value), ['answer', 'confidence', 'topics']);
  assert.equal(typeof value.answer, 'string');
  assert.ok(typeof value.confidence === 'number' && value.confidence >= 0 && value.confidence <= 1);
  assert.ok(Array.isArray(value.topics) && value.topics.every((t) => typeof t === 'string'));
});

const renameCases: { name: string; request: ChatRequest; renames: Record<string, string>; want: string[] }[] = [
  { name: 'json_object', request: requests[1]!.request, renames: { answer: 'response' }, want: ['response', 'confidence', 'topics'] },
  { name: 'json_schema', request: requests[2]!.request, renames: { priority: 'urgency', tags: 'labels' }, want: ['category', 'urgency', 'summary', 'labels', 'customer', 'escalate', 'score', 'due', 'notes'] },
];
for (const c of renameCases) {
  test(`rename_keys renames top-level keys (${c.name})`, () => {
    const before = JSON.parse(contentOf(c.request, { variability: 0 })) as Record<string, unknown>;
    const after = JSON.parse(contentOf(c.request, { variability: 0, rename_keys: c.renames })) as Record<string, unknown>;
    assert.deepEqual(Object.keys(after), c.want);
    for (const [from, to] of Object.entries(c.renames)) assert.deepEqual(after[to], before[from]);
  });
}

test('drift switches behaviour exactly at drift_at', () => {
  const simulate: SimulateConfig = { verbosity: 1, drift_at: '2025-06-01T12:00:00Z', drift: { rename_keys: { answer: 'reply' }, verbosity: 2 } };
  const at = Date.parse(simulate.drift_at!);
  assert.deepEqual(effectiveBehaviour(simulate, at - 1), simulate);
  const { drift: _drift, drift_at: _driftAt, ...drifted } = effectiveBehaviour(simulate, at) as SimulateConfig;
  assert.deepEqual(drifted, { verbosity: 2, rename_keys: { answer: 'reply' } });
  const keysAt = (t: number) => Object.keys(JSON.parse(contentOf(requests[1]!.request, effectiveBehaviour(simulate, t))) as object);
  assert.deepEqual(keysAt(at - 1), ['answer', 'confidence', 'topics']);
  assert.deepEqual(keysAt(at), ['reply', 'confidence', 'topics']);
  assert.deepEqual(effectiveBehaviour(undefined, at), {});
});

test('tools produce a tool call whose arguments validate against the parameters', () => {
  const validate = ajv.compile(toolParameters);
  for (let seed = 1; seed <= 10; seed++) {
    const message = messageOf(answer(requests[3]!.request, { variability: 0.3 }, seed).completion);
    assert.equal(message.finish_reason, 'tool_calls');
    assert.equal(message.content, null);
    const call = message.tool_calls?.[0];
    assert.equal(call?.function.name, 'lookup_order');
    assert.match(call?.id ?? '', /^call_[0-9a-f]{16}$/);
    const args: unknown = JSON.parse(call?.function.arguments ?? '');
    assert.ok(validate(args), ajv.errorsText(validate.errors));
  }
});

const toolChoiceCases: { name: string; request: ChatRequest; want: string | undefined }[] = [
  { name: 'named tool_choice', request: { ...requests[3]!.request, tool_choice: { type: 'function', function: { name: 'issue_refund' } } }, want: 'issue_refund' },
  { name: "tool_choice 'none'", request: { ...requests[3]!.request, tool_choice: 'none' }, want: undefined },
  {
    name: 'after a tool result',
    request: { ...requests[3]!.request, messages: [...messages, { role: 'tool', tool_call_id: 'call_1', content: '{"status":"refunded"}' }] },
    want: undefined,
  },
];
for (const c of toolChoiceCases) {
  test(`tools: ${c.name} → ${c.want ?? 'text answer'}`, () => {
    const message = messageOf(answer(c.request).completion);
    assert.equal(message.tool_calls?.[0]?.function.name, c.want);
    assert.equal(message.finish_reason, c.want === undefined ? 'stop' : 'tool_calls');
  });
}

test('refusal_rate 1 refuses, with the refusal field on json_schema requests', () => {
  const want = { role: 'assistant', content: refusalText, refusal: null, finish_reason: 'stop' };
  assert.deepEqual(messageOf(answer(requests[0]!.request, { refusal_rate: 1 }).completion), want);
  const schemaAnswer = messageOf(answer(requests[2]!.request, { refusal_rate: 1 }).completion);
  assert.equal(schemaAnswer.refusal, refusalText);
  assert.equal(messageOf(answer(requests[3]!.request, { refusal_rate: 1 }).completion).tool_calls, undefined);
});

const errorCases = [
  { behaviour: { error_rate: 1 }, status: 503, errorClass: 'server_error' },
  { behaviour: { error_rate: 1, error_status: 429 }, status: 429, errorClass: 'rate_limited' },
  { behaviour: { error_rate: 1, error_status: 400 }, status: 400, errorClass: 'bad_request' },
];
for (const c of errorCases) {
  test(`error_rate 1 with status ${c.status} yields ${c.errorClass}`, () => {
    const outcome = simulateAnswer(requests[0]!.request, c.behaviour, seededRandom(3), 'm', nowMs);
    assert.deepEqual(outcome.kind === 'error' && [outcome.status, outcome.errorClass], [c.status, c.errorClass]);
  });
}

test('error_rate 0.3 over 2,000 seeded calls lands within tolerance', () => {
  const random = seededRandom(42);
  let errors = 0;
  for (let i = 0; i < 2000; i++) if (simulateAnswer(requests[0]!.request, { error_rate: 0.3 }, random, 'm', nowMs).kind === 'error') errors++;
  assert.ok(Math.abs(errors / 2000 - 0.3) < 0.04, `error rate ${errors / 2000}`);
});

test('latency follows the configured median and p95; ttft is its share', () => {
  const random = seededRandom(7);
  const samples = Array.from({ length: 5000 }, () => simulateAnswer(requests[0]!.request, { latency: { median_ms: 200, p95_ms: 800 } }, random, 'm', nowMs));
  const latencies = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const median = latencies[2500]!;
  const p95 = latencies[4750]!;
  assert.ok(Math.abs(median - 200) < 200 * 0.06, `median ${median}`);
  assert.ok(Math.abs(p95 - 800) < 800 * 0.12, `p95 ${p95}`);
  for (const s of samples) assert.ok(s.kind === 'answer' && Math.abs(s.ttftMs - 0.3 * s.latencyMs) < 1e-9);
  const fixed = answer(requests[0]!.request, { latency: { median_ms: 120, ttft_share: 0.5 } });
  assert.deepEqual([fixed.latencyMs, fixed.ttftMs], [120, 60]);
  assert.deepEqual([answer(requests[0]!.request).latencyMs, answer(requests[0]!.request).ttftMs], [0, 0]);
});

test('max_tokens cuts the answer with finish_reason length', () => {
  const full = answer(requests[0]!.request, { verbosity: 3 }).completion;
  const cut = answer({ ...requests[0]!.request, max_tokens: 10 }, { verbosity: 3 }).completion;
  assert.equal(messageOf(full).finish_reason, 'stop');
  assert.equal(messageOf(cut).finish_reason, 'length');
  assert.ok(full.usage!.completion_tokens > 10);
  assert.ok(cut.usage!.completion_tokens <= 10);
  assert.ok(messageOf(full).content!.startsWith(messageOf(cut).content!));
});

test('usage estimates tokens at four characters each', () => {
  const completion = answer(requests[0]!.request).completion;
  const promptChars = messages.reduce((n, m) => n + m.content.length, 0);
  assert.equal(completion.usage!.prompt_tokens, Math.ceil(promptChars / 4));
  assert.equal(completion.usage!.completion_tokens, Math.ceil(messageOf(completion).content!.length / 4));
  assert.equal(completion.usage!.total_tokens, completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
});

function reassemble(chunks: readonly ChatCompletionChunk[]) {
  let [content, name, args, finish] = ['', '', '', null as string | null];
  for (const choice of chunks.flatMap((chunk) => chunk.choices)) {
    content += choice.delta.content ?? '';
    name += choice.delta.tool_calls?.map((call) => call.function?.name ?? '').join('') ?? '';
    args += choice.delta.tool_calls?.map((call) => call.function?.arguments ?? '').join('') ?? '';
    finish = choice.finish_reason ?? finish;
  }
  return { content, name, args, finish, usage: chunks.at(-1)?.usage };
}

for (const c of requests) {
  test(`${c.name}: stream chunks reassemble to the same answer and usage`, () => {
    const completion = answer(c.request, { verbosity: 2 }).completion;
    const chunks = answerChunks(completion);
    const message = messageOf(completion);
    const call = message.tool_calls?.[0]?.function;
    const want = { content: message.content ?? '', name: call?.name ?? '', args: call?.arguments ?? '', finish: message.finish_reason, usage: completion.usage };
    assert.deepEqual(reassemble(chunks), want);
    assert.deepEqual(chunks.at(-1)?.choices, []);
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
    assert.ok(chunks.length > 4);
    for (const chunk of chunks) assert.equal(chunk.id, completion.id);
  });
}

test('stream_break_rate 1 breaks after a chunk in the middle', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const outcome = answer(requests[0]!.request, { stream_break_rate: 1 }, seed);
    const count = answerChunks(outcome.completion).length;
    assert.ok(outcome.breakAfterChunk !== undefined && outcome.breakAfterChunk >= 1 && outcome.breakAfterChunk <= count - 3);
  }
  assert.equal(answer(requests[0]!.request).breakAfterChunk, undefined);
});

const fakeClock: Clock = { now: () => nowMs, monotonic: () => 0 };

const routeBase = { name: 'sim-primary', provider: 'sim', model: 'sim-large', price: { input_per_mtok: 0, output_per_mtok: 0 } };
const route = (simulate?: SimulateConfig): RouteConfig => ({
  ...routeBase,
  policy: { region: 'local', retention_days: 0, logs_prompts: false, data_classes: [], tools: true },
  breaker: { failure_threshold: 5, cooldown_ms: 30_000 },
  simulate,
});

const callOptions = () => ({ model: 'sim-large', signal: new AbortController().signal });

async function collect(rest: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of rest) events.push(event);
  return events;
}

test('client complete answers with the completion and its JSON', async () => {
  const client = createSimulatedClient(route(), { clock: fakeClock, random: seededRandom(1) });
  assert.equal(client.kind, 'simulated');
  const result = await client.complete(requests[0]!.request, callOptions());
  assert.ok(result.ok);
  assert.deepEqual(JSON.parse(result.json), result.completion);
  assert.equal(result.completion.model, 'sim-large');
  assert.equal(result.completion.created, Math.floor(nowMs / 1000));
  assert.equal(messageOf(result.completion).content, contentOf(requests[0]!.request));
  await client.close();
});

test('client stream gives a head chunk and the rest, matching complete', async () => {
  const client = createSimulatedClient(route(), { clock: fakeClock, random: seededRandom(1) });
  const result = await client.stream(requests[0]!.request, callOptions());
  assert.ok(result.ok);
  assert.equal(result.head.length, 1);
  const events = [...result.head, ...(await collect(result.rest))];
  for (const event of events) assert.deepEqual(JSON.parse(event.data), event.chunk);
  assert.equal(reassemble(events.map((e) => e.chunk)).content, contentOf(requests[0]!.request));
});

test('client stream with latency spreads chunks over it', async () => {
  const client = createSimulatedClient(route({ latency: { median_ms: 40 } }), { clock: fakeClock, random: seededRandom(1) });
  const started = performance.now();
  const result = await client.stream(requests[0]!.request, callOptions());
  const firstAt = performance.now() - started;
  assert.ok(result.ok);
  await collect(result.rest);
  const doneAt = performance.now() - started;
  // ttft is 30% of 40 ms; timers may fire up to a millisecond early against performance.now().
  assert.ok(firstAt >= 10, `first chunk after ${firstAt} ms`);
  assert.ok(doneAt >= 25 && doneAt > firstAt + 10, `done after ${doneAt} ms`);
});

test('client error outcome is a failure in the OpenAI error shape', async () => {
  const client = createSimulatedClient(route({ error_rate: 1, error_status: 429 }), { clock: fakeClock, random: seededRandom(1) });
  for (const result of [await client.complete(requests[0]!.request, callOptions()), await client.stream(requests[0]!.request, callOptions())]) {
    assert.ok(!result.ok);
    const { errorClass, status, retryable, body } = result.failure;
    assert.deepEqual([errorClass, status, retryable, body.error.type], ['rate_limited', 429, true, 'rate_limit_error']);
  }
});

const abortCases = [
  { name: 'a TimeoutError reason', reason: new DOMException('deadline', 'TimeoutError'), want: 'timeout' },
  { name: 'a plain abort', reason: undefined, want: 'cancelled' },
];
for (const c of abortCases) {
  for (const method of ['complete', 'stream'] as const) {
    test(`client ${method} aborted by ${c.name} fails with ${c.want}`, async () => {
      const client = createSimulatedClient(route({ latency: { median_ms: 10_000 } }), { clock: fakeClock, random: seededRandom(1) });
      const controller = new AbortController();
      setTimeout(() => controller.abort(c.reason), 5);
      const result = await client[method](requests[0]!.request, { model: 'sim-large', signal: controller.signal });
      assert.ok(!result.ok);
      assert.equal(result.failure.errorClass, c.want);
    });
  }
}

test('client stream break throws UpstreamStreamError with class truncated', async () => {
  const client = createSimulatedClient(route({ stream_break_rate: 1 }), { clock: fakeClock, random: seededRandom(1) });
  const result = await client.stream(requests[0]!.request, callOptions());
  assert.ok(result.ok);
  const received: StreamEvent[] = [...result.head];
  await assert.rejects(
    (async () => {
      for await (const event of result.rest) received.push(event);
    })(),
    (err: unknown) => err instanceof UpstreamStreamError && err.failure.errorClass === 'truncated' && err.failure.status === 200,
  );
  const outcome = answer(requests[0]!.request, { stream_break_rate: 1 });
  assert.equal(received.length, (outcome.breakAfterChunk ?? -1) + 1);
  assert.ok(received.every((e) => e.chunk.choices[0]?.finish_reason === null));
});

test('client stream aborted mid-stream throws UpstreamStreamError with the abort class', async () => {
  const client = createSimulatedClient(route({ latency: { median_ms: 10_000, ttft_share: 0 } }), { clock: fakeClock, random: seededRandom(1) });
  const controller = new AbortController();
  const result = await client.stream(requests[0]!.request, { model: 'sim-large', signal: controller.signal });
  assert.ok(result.ok);
  setTimeout(() => controller.abort(new DOMException('deadline', 'TimeoutError')), 5);
  await assert.rejects(collect(result.rest), (err: unknown) => err instanceof UpstreamStreamError && err.failure.errorClass === 'timeout');
});

test('client countTokens says what the answer will report as prompt_tokens, and honours an aborted signal', async () => {
  const client = createSimulatedClient(route(), { clock: fakeClock, random: seededRandom(1) });
  for (const { request } of requests) {
    const answer = await client.complete(request, callOptions());
    assert.ok(answer.ok);
    assert.deepEqual(await client.countTokens(request, callOptions()), { ok: true, inputTokens: answer.completion.usage?.prompt_tokens, countedBy: 'provider' });
  }
  const aborted = new AbortController();
  aborted.abort(new DOMException('gone', 'AbortError'));
  const result = await client.countTokens(requests[0]!.request, { model: 'sim-large', signal: aborted.signal });
  assert.ok(!result.ok);
  assert.equal(result.failure.errorClass, 'cancelled');
});
