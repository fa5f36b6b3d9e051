// End to end through a real listening router with the official openai SDK as the client and
// local upstreams speaking OpenAI's and Anthropic's APIs.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { anthropicEvents, anthropicMessage, openAIChunks, openAICompletion, openAIError, type TestUpstream } from './helpers/upstreams.ts';
import { startFailover, type FailoverSetup, type TestWarmpath } from './helpers/warmpath.ts';

function sdk(wp: TestWarmpath, workload: string): OpenAI {
  return new OpenAI({ baseURL: `${wp.routerUrl}/v1`, apiKey: 'test', maxRetries: 0, defaultHeaders: { 'x-warmpath-workload': workload } });
}

describe('router end to end (openai SDK)', () => {
  let oai: TestUpstream;
  let ant: TestUpstream;
  let wp: TestWarmpath;
  let setup: FailoverSetup;

  before(async () => {
    setup = await startFailover();
    ({ oai, ant, wp } = setup);
  });
  after(() => setup.close());
  const reset = () => setup.reset();

  test('non-stream completion through the primary, with warmpath headers and one record', async () => {
    reset();
    const { data, response, request_id } = await sdk(wp, 'support')
      .chat.completions.create({ model: 'anything', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    assert.equal(data.choices[0]?.message.content, 'hello from openai');
    assert.equal(response.headers.get('x-warmpath-route'), 'oai-main');
    assert.equal(response.headers.get('x-warmpath-fallback'), '0');
    const requestId = response.headers.get('x-warmpath-request-id');
    assert.match(requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(request_id, requestId, "the SDK reads warmpath's request id from x-request-id");
    assert.equal(response.headers.get('request-id'), null, "Anthropic's header only for Anthropic's clients");
    assert.equal(oai.hits.length, 1);
    assert.equal(oai.hits[0]?.body.model, 'gpt-test', 'the route model replaces the client model');
    assert.equal(oai.hits[0]?.headers.authorization, 'Bearer sk-upstream-secret');
    const [record] = await wp.waitForRecords(1);
    assert.equal(record?.record_id, requestId);
    assert.equal(record?.kind, 'primary');
    assert.equal(record?.workload, 'support');
    assert.equal(record?.route, 'oai-main');
    assert.equal(record?.outcome, 'ok');
    assert.equal(record?.status, 200);
    assert.equal(record?.fallback, false);
    assert.deepEqual(record?.usage, { input_tokens: 11, output_tokens: 7 });
    assert.equal(record?.cost_usd, (11 * 1 + 7 * 2) / 1e6);
    assert.equal(record?.finish_reason, 'stop');
    assert.equal(record?.response?.content, 'hello from openai');
    assert.equal(record?.request_model, 'anything');
    assert.equal(record?.api, 'chat_completions', 'the API the client called');
    assert.equal(record?.attempts.length, 1);
    assert.ok(!JSON.stringify(record).includes('sk-upstream-secret'), 'provider keys never reach records');
  });

  test('stream through the primary relays chunks and records TTFT and usage', async () => {
    reset();
    const stream = await sdk(wp, 'support').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    let sawUsageChunk = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices.length === 0) sawUsageChunk = true;
    }
    assert.equal(text, 'hello from openai');
    assert.equal(sawUsageChunk, false, 'usage-only chunk withheld when the client did not ask for it');
    assert.equal(oai.hits[0]?.body.stream, true);
    assert.deepEqual(oai.hits[0]?.body.stream_options, { include_usage: true });
    const [record] = await wp.waitForRecords(1);
    assert.equal(record?.stream, true);
    assert.equal(record?.outcome, 'ok');
    assert.equal(record?.response?.content, 'hello from openai');
    assert.deepEqual(record?.usage, { input_tokens: 5, output_tokens: 3 });
    assert.ok(record?.ttft_ms !== null && record!.ttft_ms! >= 0 && record!.ttft_ms! <= record!.latency_ms);
  });

  test('stream with include_usage passes the usage chunk', async () => {
    reset();
    const stream = await sdk(wp, 'support').chat.completions.create({
      model: 'x', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true },
    });
    let usage: unknown;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    assert.deepEqual(usage, { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  });

  test('tools and tool_choice reach the upstream; tool calls come back', async () => {
    reset();
    const toolCall = { id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"order_id":"A1"}' } };
    oai.script({ body: openAICompletion(null, { tool_calls: [toolCall] }) });
    const tools = [{ type: 'function' as const, function: { name: 'lookup_order', parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] } } }];
    const answer = await sdk(wp, 'support').chat.completions.create({
      model: 'x', messages: [{ role: 'user', content: 'where is A1?' }], tools, tool_choice: 'auto',
    });
    assert.deepEqual(answer.choices[0]?.message.tool_calls, [toolCall]);
    assert.equal(answer.choices[0]?.finish_reason, 'tool_calls');
    assert.deepEqual(oai.hits[0]?.body.tools, tools);
    assert.equal(oai.hits[0]?.body.tool_choice, 'auto');
    const [record] = await wp.waitForRecords(1);
    assert.deepEqual(record?.response?.tool_calls, [toolCall]);
    assert.deepEqual(record?.request.tools, tools);
  });

  test('response_format json_schema passes through', async () => {
    reset();
    oai.script({ body: openAICompletion('{"answer":"yes"}') });
    const response_format = { type: 'json_schema' as const, json_schema: { name: 'verdict', strict: true, schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false } } };
    const answer = await sdk(wp, 'support').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'yes?' }], response_format });
    assert.equal(answer.choices[0]?.message.content, '{"answer":"yes"}');
    assert.deepEqual(oai.hits[0]?.body.response_format, response_format);
  });

  test('Anthropic primary: translated request, answer and stream', async () => {
    reset();
    const answer = await sdk(wp, 'claude').chat.completions.create({
      model: 'x', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }], max_tokens: 50,
    });
    assert.equal(answer.choices[0]?.message.content, 'hello from anthropic');
    assert.equal(answer.choices[0]?.finish_reason, 'stop');
    assert.equal(answer.usage?.prompt_tokens, 9);
    assert.equal(ant.hits[0]?.path, '/v1/messages');
    assert.equal(ant.hits[0]?.body.system, 'be brief');
    assert.equal(ant.hits[0]?.headers['x-api-key'], 'ant-upstream-secret');
    const stream = await sdk(wp, 'claude').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(text, 'hello from anthropic');
    assert.equal(finish, 'stop');
  });

  test('503 then success: retried on the primary, no failover', async () => {
    reset();
    oai.script(openAIError(503, 'busy'));
    const { data, response } = await sdk(wp, 'support').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.equal(data.choices[0]?.message.content, 'hello from openai');
    assert.equal(response.headers.get('x-warmpath-fallback'), '0');
    assert.equal(oai.hits.length, 2);
    assert.equal(ant.hits.length, 0);
    const [record] = await wp.waitForRecords(1);
    assert.deepEqual(record?.attempts.map((a) => [a.route, a.status, a.error_class]), [['oai-main', 503, 'server_error'], ['oai-main', 200, null]]);
  });

  test('503 persisting: fails over to the certified secondary and says so', async () => {
    reset();
    oai.script(openAIError(503, 'down'), openAIError(503, 'still down'));
    const { data, response } = await sdk(wp, 'support').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.equal(data.choices[0]?.message.content, 'hello from anthropic');
    assert.equal(response.headers.get('x-warmpath-route'), 'ant-backup');
    assert.equal(response.headers.get('x-warmpath-fallback'), '1');
    assert.equal(oai.hits.length, 2);
    assert.equal(ant.hits.length, 1);
    const [record] = await wp.waitForRecords(1);
    assert.equal(record?.fallback, true);
    assert.equal(record?.route, 'ant-backup');
    assert.deepEqual(record?.attempts.map((a) => a.route), ['oai-main', 'oai-main', 'ant-backup']);
  });

  test('429 with Retry-After: the wait is honoured before the retry', async () => {
    reset();
    oai.script({ ...openAIError(429, 'slow down'), headers: { 'retry-after-ms': '250' } });
    const started = performance.now();
    const answer = await sdk(wp, 'support').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(performance.now() - started >= 240, 'retried no earlier than Retry-After');
    assert.equal(answer.choices[0]?.message.content, 'hello from openai');
    assert.equal(oai.hits.length, 2);
  });

  test('429 with a Retry-After beyond the limit skips the retry and fails over', async () => {
    reset();
    oai.script({ ...openAIError(429, 'come back tomorrow'), headers: { 'retry-after': '3600' } });
    const { response } = await sdk(wp, 'support').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.equal(response.headers.get('x-warmpath-route'), 'ant-backup');
    assert.equal(oai.hits.length, 1);
  });

  test('400 from the upstream: the same 400 to the client, one upstream hit, no failover', async () => {
    reset();
    let requestId: string | null | undefined;
    oai.script(openAIError(400, "Invalid value for 'temperature'", 'invalid_value'));
    await assert.rejects(
      sdk(wp, 'support').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }),
      (err: InstanceType<typeof OpenAI.APIError>) => {
        assert.equal(err.status, 400);
        assert.equal(err.message.includes("Invalid value for 'temperature'"), true);
        assert.equal(err.code, 'invalid_value');
        requestId = err.requestID;
        return true;
      },
    );
    assert.equal(oai.hits.length, 1);
    assert.equal(ant.hits.length, 0);
    const [record] = await wp.waitForRecords(1);
    assert.equal(record?.error_class, 'bad_request');
    assert.equal(record?.status, 400);
    assert.equal(record?.request_id, requestId, "the SDK's error carries the id of the exchange record");
  });

  test('requests refused before routing carry a request id too: a schema error, an unknown workload, an unknown path', async () => {
    reset();
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const refused = [
      sdk(wp, 'support').chat.completions.create({ model: 'x', messages: 'hi' } as never),
      sdk(wp, 'nope').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }),
    ];
    const ids: string[] = [];
    for (const call of refused) {
      await assert.rejects(call, (err: InstanceType<typeof OpenAI.APIError>) => {
        assert.ok(err instanceof OpenAI.APIError, String(err));
        assert.match(err.requestID ?? '', uuid);
        assert.equal(err.headers?.get('x-warmpath-request-id'), err.requestID);
        ids.push(err.requestID ?? '');
        return true;
      });
    }
    const unknown = await fetch(`${wp.routerUrl}/v1/nothing-here`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.headers.get('x-request-id') ?? '', uuid);
    ids.push(unknown.headers.get('x-request-id') ?? '');
    assert.equal(new Set(ids).size, ids.length, 'each request its own id');
    assert.equal(oai.hits.length, 0);
  });

  test('context length error is deterministic: returned as is, never failed over', async () => {
    reset();
    oai.script(openAIError(400, "This model's maximum context length is 8192 tokens", 'context_length_exceeded'));
    await assert.rejects(sdk(wp, 'support').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }), { status: 400 });
    assert.equal(ant.hits.length, 0);
    const [record] = await wp.waitForRecords(1);
    assert.equal(record?.error_class, 'context_length');
  });

  test('timeout on the primary: retried, then failed over', async () => {
    reset();
    oai.script({ delayMs: 800, body: openAICompletion('late') }, { delayMs: 800, body: openAICompletion('late') });
    const { data, response } = await sdk(wp, 'support').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.equal(data.choices[0]?.message.content, 'hello from anthropic');
    assert.equal(response.headers.get('x-warmpath-fallback'), '1');
    const [record] = await wp.waitForRecords(1);
    assert.deepEqual(record?.attempts.map((a) => a.error_class), ['timeout', 'timeout', null]);
  });

  test('a client that goes away cancels the attempt in flight: no retry, no failover, recorded as cancelled', async () => {
    reset();
    oai.script({ delayMs: 2000, body: openAICompletion('never read') });
    const client = new AbortController();
    setTimeout(() => client.abort(), 100);
    await assert.rejects(
      fetch(`${wp.routerUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-warmpath-workload': 'support' },
        body: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }),
        signal: client.signal,
      }),
      { name: 'AbortError' },
    );
    const [record] = await wp.waitForRecords(1);
    assert.equal(record?.outcome, 'error');
    assert.equal(record?.error_class, 'cancelled');
    assert.equal(record?.attempts.length, 1);
    assert.equal(record?.attempts[0]?.error_class, 'cancelled');
    // Cut off when the client left (~100 ms), not at the attempt's 300-ms timeout.
    assert.ok((record?.attempts[0]?.latency_ms ?? Infinity) < 250, `attempt ran ${record?.attempts[0]?.latency_ms} ms`);
    assert.equal(oai.hits.length, 1);
    assert.equal(ant.hits.length, 0);
  });

  test('a client that goes away mid-stream ends the upstream stream: recorded as cancelled with what was relayed', async () => {
    reset();
    oai.script({ events: openAIChunks(['one ', 'two ', 'three ', 'four ', 'five ', 'six ']), eventDelayMs: 300 });
    const client = new AbortController();
    const answer = await fetch(`${wp.routerUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-warmpath-workload': 'support' },
      body: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      signal: client.signal,
    });
    const reader = (answer.body as ReadableStream<Uint8Array>).getReader();
    let relayed = '';
    while (!relayed.includes('"content":"one "')) relayed += new TextDecoder().decode((await reader.read()).value);
    client.abort();
    const [record] = await wp.waitForRecords(1);
    assert.equal(record?.error_class, 'cancelled');
    assert.equal(record?.status, 499);
    assert.equal(record?.response?.content, 'one ');
    assert.ok((record?.latency_ms ?? Infinity) < 1000, `recorded after ${record?.latency_ms} ms, the upstream would take 1.5 s`);
  });

  test('fail_closed: a failing primary is never failed over; the client gets the error', async () => {
    reset();
    oai.script(openAIError(503, 'down'));
    await assert.rejects(
      sdk(wp, 'strict').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }),
      { status: 503 },
    );
    assert.equal(ant.hits.length, 0);
  });

  test('fail_closed timeout: 504 with warmpath code', async () => {
    reset();
    oai.script({ delayMs: 800, body: openAICompletion('late') });
    await assert.rejects(
      sdk(wp, 'strict').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }),
      (err: InstanceType<typeof OpenAI.APIError>) => err.status === 504 && err.code === 'RTR_UPSTREAM_TIMEOUT',
    );
  });

  test('mid-stream break: the stream ends with an error, no failover, recorded as truncated', async () => {
    reset();
    oai.script({ events: openAIChunks(['one ', 'two ', 'three']), breakAfter: 2 });
    const stream = await sdk(wp, 'support').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    await assert.rejects(async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    }, /stream broke/);
    assert.equal(text, 'one ');
    assert.equal(ant.hits.length, 0);
    const [record] = await wp.waitForRecords(1);
    assert.equal(record?.outcome, 'truncated');
    assert.equal(record?.error_class, 'truncated');
    assert.equal(record?.response?.content, 'one ');
  });

  test('a stream that closes before its first chunk is retried like any retryable failure', async () => {
    reset();
    oai.script({ events: [] });
    const stream = await sdk(wp, 'support').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'hello from openai');
    const [record] = await wp.waitForRecords(1);
    assert.deepEqual(record?.attempts.map((a) => a.error_class), ['empty_stream', null]);
  });

  test('Anthropic overloaded (529) on the primary fails over to OpenAI', async () => {
    reset();
    ant.script({ status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    const { data, response } = await sdk(wp, 'claude').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.equal(data.choices[0]?.message.content, 'hello from openai');
    assert.equal(response.headers.get('x-warmpath-route'), 'oai-main');
  });

  test('malformed upstream answer is classified, recorded, and failed over', async () => {
    reset();
    oai.script({ body: '<html>oops</html>' }, { body: '{"not":"a completion"}' });
    const { response } = await sdk(wp, 'support').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.equal(response.headers.get('x-warmpath-route'), 'ant-backup');
    const [record] = await wp.waitForRecords(1);
    assert.deepEqual(record?.attempts.map((a) => a.error_class), ['malformed_response', 'malformed_response', null]);
  });

  test('Anthropic stream events are translated for the client', async () => {
    reset();
    ant.script({ events: anthropicEvents(['a', 'b']) });
    const stream = await sdk(wp, 'claude').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'ab');
    ant.script({ body: anthropicMessage('plain') });
  });
});
