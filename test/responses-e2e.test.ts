// End to end through a real listening router with the official OpenAI SDK's Responses API
// (`client.responses`) as the client: POST /v1/responses translated to warmpath's chat
// shape, served by OpenAI- and Anthropic-speaking upstreams, answered as Response objects
// and Responses stream events, errors and failover included.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { estimateInputTokens } from '../providers/index.ts';
import { anthropicTokenCount, openAIChunks, openAICompletion, openAIError, openAIToolCallChunks, type TestUpstream } from './helpers/upstreams.ts';
import { startFailover, type FailoverSetup, type TestWarmpath } from './helpers/warmpath.ts';

function sdk(wp: TestWarmpath): OpenAI {
  return new OpenAI({ baseURL: `${wp.routerUrl}/v1`, apiKey: 'unused-open-router', maxRetries: 0 });
}

const lookupTool = {
  type: 'function' as const,
  name: 'lookup_order',
  description: 'Finds an order',
  parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'], additionalProperties: false },
  strict: true,
};

describe('router end to end (OpenAI SDK on /v1/responses)', () => {
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

  test('non-stream response through an OpenAI primary: translated both ways, settings echoed, one record', async () => {
    reset();
    const { data, response, request_id } = await sdk(wp)
      .responses.create({ model: 'support', instructions: 'be brief', input: 'hi', max_output_tokens: 100, user: 'u-7', metadata: { ticket: 'T-1' }, temperature: 0.2 })
      .withResponse();
    assert.equal(data.output_text, 'hello from openai', 'the SDK assembles output_text from the output items');
    assert.equal(data.object, 'response');
    assert.equal(data.status, 'completed');
    assert.equal(data.model, 'gpt-test');
    assert.equal(data.instructions, 'be brief');
    assert.equal(data.max_output_tokens, 100);
    assert.equal(data.temperature, 0.2);
    assert.deepEqual(data.metadata, { ticket: 'T-1' });
    assert.equal((data as { store?: unknown }).store, false, 'warmpath keeps no response to retrieve');
    assert.deepEqual(data.usage, { input_tokens: 11, input_tokens_details: { cached_tokens: 0 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 18 });
    const requestId = response.headers.get('x-warmpath-request-id') ?? '';
    assert.equal(data.id, `resp_${requestId.replace(/-/g, '')}`);
    assert.equal(request_id, requestId, 'the SDK reads the request id from x-request-id');
    assert.equal(response.headers.get('x-warmpath-route'), 'oai-main');
    assert.equal(data.output.length, 1);
    const message = data.output[0];
    assert.equal(message?.type, 'message');
    if (message?.type === 'message') {
      assert.equal(message.status, 'completed');
      assert.deepEqual(message.content, [{ type: 'output_text', text: 'hello from openai', annotations: [], logprobs: [] }]);
    }

    const sent = oai.hits[0]?.body;
    assert.equal(oai.hits[0]?.path, '/v1/chat/completions');
    assert.deepEqual(sent, {
      model: 'gpt-test',
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }],
      max_completion_tokens: 100,
      temperature: 0.2,
      user: 'u-7',
      stream: false,
    });

    const [record] = await wp.waitForRecords(1);
    assert.equal(record?.record_id, requestId);
    assert.equal(record?.workload, 'support');
    assert.equal(record?.api, 'responses', 'the API the client called');
    assert.equal(record?.outcome, 'ok');
    assert.equal(record?.response?.content, 'hello from openai');
  });

  test('stream: numbered Responses events from OpenAI chunks, the final response with usage, a record with TTFT', async () => {
    reset();
    const stream = sdk(wp).responses.stream({ model: 'support', input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi' }] }] });
    let text = '';
    const types: string[] = [];
    const sequence: number[] = [];
    stream.on('event', (event) => {
      types.push(event.type);
      sequence.push(event.sequence_number);
    });
    stream.on('response.output_text.delta', (event) => {
      text += event.delta;
    });
    const final = await stream.finalResponse();
    assert.equal(text, 'hello from openai');
    assert.equal(final.output_text, 'hello from openai');
    assert.equal(final.status, 'completed');
    assert.equal(final.usage?.input_tokens, 5);
    assert.equal(final.usage?.output_tokens, 3);
    assert.deepEqual(sequence, types.map((_, i) => i), 'sequence numbers count up from 0');
    assert.deepEqual(types, [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    assert.equal(oai.hits[0]?.body.stream, true);
    assert.deepEqual(oai.hits[0]?.body.messages, [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
    const [record] = await wp.waitForRecords(1);
    assert.equal(record?.stream, true);
    assert.equal(record?.outcome, 'ok');
    assert.equal(typeof record?.ttft_ms, 'number');
  });

  test('tools: a function_call item comes back, and the next turn replays it with its function_call_output', async () => {
    reset();
    const toolCall = { id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"order_id":"A1"}' } };
    oai.script({ body: openAICompletion(null, { tool_calls: [toolCall] }) });
    const first = await sdk(wp).responses.create({
      model: 'support',
      input: 'where is A1?',
      tools: [lookupTool],
      tool_choice: { type: 'function', name: 'lookup_order' },
      parallel_tool_calls: false,
    });
    assert.equal(first.status, 'completed');
    assert.equal(first.output.length, 1);
    const call = first.output[0];
    assert.equal(call?.type, 'function_call');
    if (call?.type === 'function_call') {
      assert.equal(call.call_id, 'call_1');
      assert.equal(call.name, 'lookup_order');
      assert.equal(call.arguments, '{"order_id":"A1"}');
    }
    assert.deepEqual(first.tools, [lookupTool], 'the request tools are echoed');
    const sentFirst = oai.hits[0]?.body;
    assert.deepEqual(sentFirst?.tools, [
      { type: 'function', function: { name: 'lookup_order', description: 'Finds an order', parameters: lookupTool.parameters, strict: true } },
    ]);
    assert.deepEqual(sentFirst?.tool_choice, { type: 'function', function: { name: 'lookup_order' } });
    assert.equal(sentFirst?.parallel_tool_calls, false);

    // The stateless loop: the earlier output goes back in as input, with the tool's result.
    const second = await sdk(wp).responses.create({
      model: 'support',
      tools: [lookupTool],
      input: [{ role: 'user', content: 'where is A1?' }, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { type: 'function_call_output', call_id: 'call_1', output: 'shipped' }],
    });
    assert.equal(second.output_text, 'hello from openai');
    assert.deepEqual(oai.hits[1]?.body.messages, [
      { role: 'user', content: 'where is A1?' },
      { role: 'assistant', content: null, tool_calls: [toolCall] },
      { role: 'tool', tool_call_id: 'call_1', content: 'shipped' },
    ]);
  });

  test('a streamed tool call after some text: the message closes, a function_call item assembles its arguments', async () => {
    reset();
    oai.script({ events: openAIToolCallChunks('Looking. ', { id: 'call_9', name: 'lookup_order' }, ['{"order', '_id":"B', '2"}']) });
    const stream = sdk(wp).responses.stream({ model: 'support', input: 'where is B2?', tools: [lookupTool] });
    let args = '';
    stream.on('response.function_call_arguments.delta', (event) => {
      args += event.delta;
    });
    const final = await stream.finalResponse();
    assert.equal(args, '{"order_id":"B2"}');
    assert.equal(final.output_text, 'Looking. ');
    assert.deepEqual(
      final.output.map((item) => item.type),
      ['message', 'function_call'],
    );
    const fn = final.output[1];
    if (fn?.type === 'function_call') {
      assert.equal(fn.call_id, 'call_9');
      assert.equal(fn.arguments, '{"order_id":"B2"}');
      assert.equal(fn.status, 'completed');
    }
    assert.equal(final.usage?.total_tokens, 29);
  });

  test('json_schema text format goes up as response_format; a length cut makes the response incomplete', async () => {
    reset();
    oai.script({ body: openAICompletion('{"answer":"ye', { finish_reason: 'length' }) });
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    const answer = await sdk(wp).responses.create({
      model: 'support',
      input: 'answer in JSON',
      max_output_tokens: 5,
      text: { format: { type: 'json_schema', name: 'verdict', schema, strict: true } },
    });
    assert.deepEqual(oai.hits[0]?.body.response_format, { type: 'json_schema', json_schema: { name: 'verdict', schema, strict: true } });
    assert.equal(answer.status, 'incomplete');
    assert.deepEqual(answer.incomplete_details, { reason: 'max_output_tokens' });
    assert.deepEqual(answer.text?.format, { type: 'json_schema', name: 'verdict', schema, strict: true });
  });

  test('an Anthropic primary behind /v1/responses, streaming: Responses in, chat shape inside, Anthropic upstream', async () => {
    reset();
    const final = await sdk(wp).responses.stream({ model: 'claude', instructions: 'be brief', input: 'hi', max_output_tokens: 64 }).finalResponse();
    assert.equal(final.output_text, 'hello from anthropic');
    assert.equal(ant.hits[0]?.path, '/v1/messages');
    assert.equal(ant.hits[0]?.body.system, 'be brief');
    assert.equal(ant.hits[0]?.body.max_tokens, 64);
  });

  test('503 persisting on the primary: fails over to the certified secondary, the answer still a Response', async () => {
    reset();
    oai.script(openAIError(503, 'down'), openAIError(503, 'still down'));
    const { data, response } = await sdk(wp).responses.create({ model: 'support', input: 'hi' }).withResponse();
    assert.equal(data.output_text, 'hello from anthropic');
    assert.equal(response.headers.get('x-warmpath-fallback'), '1');
    assert.equal(response.headers.get('x-warmpath-route'), 'ant-backup');
    const [record] = await wp.waitForRecords(1);
    assert.deepEqual(record?.attempts.map((a) => a.route), ['oai-main', 'oai-main', 'ant-backup']);
  });

  const refusals: { name: string; body: Record<string, unknown>; status: number; code: string; param: string | null; message: RegExp }[] = [
    {
      name: 'previous_response_id (warmpath stores no responses)',
      body: { previous_response_id: 'resp_abc' },
      status: 400,
      code: 'REQ_UNSUPPORTED',
      param: 'previous_response_id',
      message: /stateless gateway.*send the earlier turns in input/,
    },
    {
      name: 'a hosted tool',
      body: { tools: [{ type: 'web_search' }] },
      status: 400,
      code: 'REQ_UNSUPPORTED',
      param: 'tools.0.type',
      message: /tool type "web_search" cannot be routed/,
    },
    {
      name: 'a replayed reasoning item',
      body: { input: [{ type: 'reasoning', id: 'rs_1', summary: [] }, { role: 'user', content: 'go on' }] },
      status: 400,
      code: 'REQ_UNSUPPORTED',
      param: 'input.0.type',
      message: /reasoning items/,
    },
    {
      name: 'a tool_choice naming no tool',
      body: { tools: [lookupTool], tool_choice: { type: 'function', name: 'other' } },
      status: 400,
      code: 'REQ_INVALID',
      param: 'tool_choice.name',
      message: /names no tool/,
    },
    {
      name: 'an unknown workload',
      body: { model: 'nope' },
      status: 404,
      code: 'RTR_UNKNOWN_WORKLOAD',
      param: 'model',
      message: /"nope" is not a workload/,
    },
  ];
  for (const c of refusals) {
    test(`refused with the SDK's error for its status, in OpenAI's shape: ${c.name}`, async () => {
      reset();
      await assert.rejects(sdk(wp).responses.create({ model: 'support', input: 'hi', ...c.body } as never), (err: unknown) => {
        assert.ok(err instanceof OpenAI.APIError, String(err));
        assert.equal(err.status, c.status);
        assert.equal(err.code, c.code);
        assert.equal(err.param, c.param);
        assert.match(err.message, c.message);
        assert.match(err.requestID ?? '', /^[0-9a-f-]{36}$/, 'the SDK reads the request id from x-request-id');
        return true;
      });
      assert.equal(oai.hits.length + ant.hits.length, 0, 'nothing went upstream');
    });
  }

  test('schema errors name the field: a missing input, an unknown member', async () => {
    const post = (body: unknown) => fetch(`${wp.routerUrl}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const missing = await post({ model: 'support' });
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as { error: { message: string } }).error.message, /input/);
    const unknown = await post({ model: 'support', input: 'hi', frobnicate: true });
    assert.equal(unknown.status, 400);
    assert.match(((await unknown.json()) as { error: { message: string } }).error.message, /frobnicate/);
  });

  test('input_tokens on an Anthropic primary: Anthropic counts the translated request with the route model', async () => {
    reset();
    const { data, response } = await sdk(wp).responses.inputTokens.count({ model: 'claude', instructions: 'be brief', input: 'hi', tools: [lookupTool] }).withResponse();
    assert.deepEqual(data, { object: 'response.input_tokens', input_tokens: anthropicTokenCount });
    assert.equal(response.headers.get('x-warmpath-token-count'), 'provider');
    assert.equal(ant.hits[0]?.path, '/v1/messages/count_tokens');
    assert.equal(ant.hits[0]?.body.model, 'claude-test');
    assert.equal(ant.hits[0]?.body.system, 'be brief');
    assert.equal((ant.hits[0]?.body.tools as unknown[] | undefined)?.length, 1);
    assert.equal(wp.records.length, 0, 'a count is not an exchange');

    ant.script({ status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long' } } });
    const refused = await fetch(`${wp.routerUrl}/v1/responses/input_tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude', input: 'hi' }) });
    assert.equal(refused.status, 400);
    const body = (await refused.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['error'], "Anthropic's refusal relayed in OpenAI's shape");
    assert.match((body.error as { message: string }).message, /prompt is too long/);
  });

  test("input_tokens on an OpenAI-compatible primary: warmpath's estimate of the chat request, no upstream call", async () => {
    reset();
    const { data, response } = await sdk(wp).responses.inputTokens.count({ model: 'support', input: [{ role: 'user', content: 'hello world' }] }).withResponse();
    assert.equal(data.input_tokens, await estimateInputTokens({ model: 'support', messages: [{ role: 'user', content: 'hello world' }] }));
    assert.equal(response.headers.get('x-warmpath-token-count'), 'estimate');
    assert.equal(oai.hits.length, 0);
    await assert.rejects(sdk(wp).responses.inputTokens.count({ model: 'support', input: 'hi', previous_response_id: 'resp_1' }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError, String(err));
      assert.equal(err.code, 'REQ_UNSUPPORTED');
      assert.equal(err.param, 'previous_response_id', "OpenAI's error shape, which names the param");
      return true;
    });
  });

  test('stored-response calls get a 404 saying warmpath keeps no responses; compaction a 400', async () => {
    const client = sdk(wp);
    const calls: [string, () => Promise<unknown>][] = [
      ['retrieve', () => client.responses.retrieve('resp_1')],
      ['delete', () => client.responses.delete('resp_1')],
      ['cancel', () => client.responses.cancel('resp_1')],
      ['input items', () => client.responses.inputItems.list('resp_1')],
    ];
    for (const [name, call] of calls) {
      await assert.rejects(call(), (err: unknown) => {
        assert.ok(err instanceof OpenAI.NotFoundError, `${name}: ${String(err)}`);
        assert.equal(err.code, 'REQ_NOT_FOUND');
        assert.match(err.message, /stateless gateway and keeps no responses/);
        return true;
      });
    }
    await assert.rejects(client.responses.compact({ model: 'support', input: 'hi' } as never), (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError, String(err));
      assert.equal(err.code, 'REQ_UNSUPPORTED');
      return true;
    });
  });

  test('a stream the upstream breaks after its first bytes ends with an error event the SDK raises; recorded as truncated', async () => {
    reset();
    oai.script({ events: openAIChunks(['hello ', 'from ', 'openai']), breakAfter: 2 });
    const stream = sdk(wp).responses.stream({ model: 'support', input: 'hi' });
    let text = '';
    stream.on('response.output_text.delta', (event) => {
      text += event.delta;
    });
    await assert.rejects(stream.finalResponse(), (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError, String(err));
      assert.equal(err.code, 'RTR_STREAM_TRUNCATED');
      assert.match(err.message, /upstream stream broke after it started \(route oai-main\)/);
      return true;
    });
    assert.equal(text, 'hello ');
    const [record] = await wp.waitForRecords(1);
    assert.equal(record?.outcome, 'truncated');
  });
});
