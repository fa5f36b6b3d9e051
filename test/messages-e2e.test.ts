// End to end through a real listening router with the official Anthropic SDK as the client:
// POST /v1/messages translated to warmpath's chat shape, served by OpenAI- and
// Anthropic-speaking upstreams, and answered in Anthropic's shape, streams and errors included.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { sha256Hex } from '../core/hash.ts';
import { estimateInputTokens } from '../providers/index.ts';
import { anthropicEvents, anthropicMessage, anthropicTokenCount, openAIChunks, openAICompletion, openAIError, openAIToolCallChunks, startAnthropicUpstream, type TestUpstream } from './helpers/upstreams.ts';
import { route, startFailover, startWarmpath, type FailoverSetup, type TestWarmpath } from './helpers/warmpath.ts';

const virtualKey = 'wp-anthropic-client-key';

function sdk(wp: TestWarmpath, apiKey = virtualKey): Anthropic {
  return new Anthropic({ baseURL: wp.routerUrl, apiKey, maxRetries: 0 });
}

const hi = [{ role: 'user' as const, content: 'hi' }];

describe('router end to end (Anthropic SDK on /v1/messages)', () => {
  let oai: TestUpstream;
  let ant: TestUpstream;
  let wp: TestWarmpath;
  let setup: FailoverSetup;

  before(async () => {
    setup = await startFailover({ keys: [{ key_sha256: sha256Hex(virtualKey), tenant: 'acme' }] });
    ({ oai, ant, wp } = setup);
  });
  after(() => setup.close());
  const reset = () => setup.reset();

  test('non-stream message through an OpenAI primary: translated both ways, one record', async () => {
    reset();
    const { data, response, request_id } = await sdk(wp)
      .messages.create({ model: 'support', max_tokens: 100, system: 'be brief', messages: hi, stop_sequences: ['END'], metadata: { user_id: 'u-7' } })
      .withResponse();
    assert.deepEqual(data.content, [{ type: 'text', text: 'hello from openai' }]);
    assert.equal(data.type, 'message');
    assert.equal(data.role, 'assistant');
    assert.equal(data.stop_reason, 'end_turn');
    assert.equal(data.model, 'gpt-test');
    assert.deepEqual(data.usage, { input_tokens: 11, output_tokens: 7 });
    const requestId = response.headers.get('x-warmpath-request-id') ?? '';
    assert.equal(request_id, requestId, 'the SDK reads the request id warmpath sets');
    assert.equal(data.id, `msg_${requestId.replace(/-/g, '')}`);
    assert.equal(response.headers.get('x-warmpath-route'), 'oai-main');

    const sent = oai.hits[0]?.body;
    assert.equal(sent?.model, 'gpt-test');
    assert.equal(sent?.max_tokens, 100);
    assert.deepEqual(sent?.stop, ['END']);
    assert.equal(sent?.user, 'u-7');
    assert.deepEqual(sent?.messages, [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }]);

    const [record] = await wp.waitForRecords(1);
    assert.equal(record?.record_id, requestId);
    assert.equal(record?.tenant, 'acme', 'the API key the SDK sends is the virtual key');
    assert.equal(record?.workload, 'support');
    assert.equal(record?.request_model, 'support');
    assert.equal(record?.api, 'messages', 'the API the client called');
    assert.equal(record?.outcome, 'ok');
    assert.equal(record?.response?.content, 'hello from openai');
    assert.deepEqual(record?.request.messages, [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }]);
  });

  test('stream: Anthropic events from OpenAI chunks, final message with usage, record with TTFT', async () => {
    reset();
    const stream = sdk(wp).messages.stream({ model: 'support', max_tokens: 50, messages: hi });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    const final = await stream.finalMessage();
    assert.equal(text, 'hello from openai');
    assert.equal(final.content.length, 1);
    assert.equal(final.content[0]?.type === 'text' ? final.content[0].text : undefined, 'hello from openai');
    assert.equal(final.stop_reason, 'end_turn');
    assert.deepEqual(final.usage, { input_tokens: 5, output_tokens: 3 });
    assert.equal(oai.hits[0]?.body.stream, true);
    const [record] = await wp.waitForRecords(1);
    assert.equal(record?.stream, true);
    assert.equal(record?.response?.content, 'hello from openai');
    assert.deepEqual(record?.usage, { input_tokens: 5, output_tokens: 3 });
    assert.ok(record?.ttft_ms !== null && record!.ttft_ms! >= 0);
  });

  test('tools: tool_use comes back with its input, and tool_result goes up as a tool message', async () => {
    reset();
    const toolCall = { id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"order_id":"A1"}' } };
    oai.script({ body: openAICompletion(null, { tool_calls: [toolCall] }) });
    const tools = [{ name: 'lookup_order', description: 'Finds an order', input_schema: { type: 'object' as const, properties: { order_id: { type: 'string' } }, required: ['order_id'] } }];
    const first = await sdk(wp).messages.create({
      model: 'support', max_tokens: 100, messages: [{ role: 'user', content: 'where is A1?' }], tools, tool_choice: { type: 'tool', name: 'lookup_order' },
    });
    assert.equal(first.stop_reason, 'tool_use');
    assert.deepEqual(first.content, [{ type: 'tool_use', id: 'call_1', name: 'lookup_order', input: { order_id: 'A1' } }]);
    assert.deepEqual(oai.hits[0]?.body.tools, [
      { type: 'function', function: { name: 'lookup_order', description: 'Finds an order', parameters: tools[0]?.input_schema } },
    ]);
    assert.deepEqual(oai.hits[0]?.body.tool_choice, { type: 'function', function: { name: 'lookup_order' } });

    const second = await sdk(wp).messages.create({
      model: 'support',
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'where is A1?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'shipped' }, { type: 'text', text: 'and when?' }] },
      ],
    });
    assert.deepEqual(second.content, [{ type: 'text', text: 'hello from openai' }]);
    assert.deepEqual(oai.hits[1]?.body.messages, [
      { role: 'user', content: 'where is A1?' },
      { role: 'assistant', content: null, tool_calls: [toolCall] },
      { role: 'tool', tool_call_id: 'call_1', content: 'shipped' },
      { role: 'user', content: [{ type: 'text', text: 'and when?' }] },
    ]);
  });

  test('a streamed tool call arrives as a tool_use block whose input the SDK assembles', async () => {
    reset();
    oai.script({ events: openAIToolCallChunks('Looking. ', { id: 'call_9', name: 'lookup_order' }, ['{"order', '_id":"B', '2"}']) });
    const final = await sdk(wp)
      .messages.stream({ model: 'support', max_tokens: 50, messages: hi, tools: [{ name: 'lookup_order', input_schema: { type: 'object' } }] })
      .finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    assert.equal(final.content.length, 2);
    assert.equal(final.content[0]?.type === 'text' ? final.content[0].text : undefined, 'Looking. ');
    const toolUse = final.content[1];
    assert.equal(toolUse?.type, 'tool_use');
    if (toolUse?.type === 'tool_use') {
      assert.equal(toolUse.id, 'call_9');
      assert.equal(toolUse.name, 'lookup_order');
      assert.deepEqual(toolUse.input, { order_id: 'B2' });
    }
    assert.deepEqual(final.usage, { input_tokens: 20, output_tokens: 9 });
  });

  test('an Anthropic route behind /v1/messages: Anthropic in, chat shape inside, Anthropic upstream', async () => {
    reset();
    const answer = await sdk(wp).messages.create({ model: 'claude', max_tokens: 50, system: [{ type: 'text', text: 'be brief' }], messages: hi });
    assert.deepEqual(answer.content, [{ type: 'text', text: 'hello from anthropic' }]);
    assert.equal(ant.hits[0]?.body.system, 'be brief');
    assert.equal(ant.hits[0]?.body.max_tokens, 50);
    assert.deepEqual(ant.hits[0]?.body.messages, [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  });

  test('an Anthropic upstream that stopped on a stop sequence: the SDK reads stop_sequence and which one, streamed or not', async () => {
    reset();
    const stopped = { stop_reason: 'stop_sequence', stop_sequence: '</answer>' };
    ant.script({ body: anthropicMessage('Paris', 'claude-test', stopped) }, { events: anthropicEvents(['Paris'], 'claude-test', stopped) });
    const params = { model: 'claude', max_tokens: 50, stop_sequences: ['</answer>', 'END'], messages: hi };
    const answer = await sdk(wp).messages.create(params);
    assert.deepEqual([answer.stop_reason, answer.stop_sequence], ['stop_sequence', '</answer>']);
    const final = await sdk(wp).messages.stream(params).finalMessage();
    assert.deepEqual([final.stop_reason, final.stop_sequence], ['stop_sequence', '</answer>']);
    assert.deepEqual(final.content, [{ type: 'text', text: 'Paris' }]);
    assert.deepEqual(ant.hits.map((hit) => hit.body.stop_sequences), [['</answer>', 'END'], ['</answer>', 'END']]);
  });

  test('503 persisting on the primary: fails over to the certified secondary, answer still in Anthropic shape', async () => {
    reset();
    oai.script(openAIError(503, 'down'), openAIError(503, 'still down'));
    const { data, response } = await sdk(wp).messages.create({ model: 'support', max_tokens: 50, messages: hi }).withResponse();
    assert.deepEqual(data.content, [{ type: 'text', text: 'hello from anthropic' }]);
    assert.equal(response.headers.get('x-warmpath-fallback'), '1');
    assert.equal(response.headers.get('x-warmpath-route'), 'ant-backup');
    const [record] = await wp.waitForRecords(1);
    assert.deepEqual(record?.attempts.map((a) => a.route), ['oai-main', 'oai-main', 'ant-backup']);
  });

  test("a tool_result's is_error reaches an Anthropic route, through failover; the OpenAI primary gets a plain tool message", async () => {
    reset();
    oai.script(openAIError(503, 'down'), openAIError(503, 'still down'));
    const toolUse = { type: 'tool_use' as const, id: 'toolu_1', name: 'lookup_order', input: { order_id: 'A1' } };
    const answer = await sdk(wp).messages.create({
      model: 'support',
      max_tokens: 50,
      tools: [{ name: 'lookup_order', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'where is A1?' },
        { role: 'assistant', content: [toolUse] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'order service timed out', is_error: true }] },
      ],
    });
    assert.deepEqual(answer.content, [{ type: 'text', text: 'hello from anthropic' }]);
    const toolMessage = (hit: TestUpstream['hits'][number]) => (hit.body.messages as unknown[])[2];
    for (const hit of oai.hits) assert.deepEqual(toolMessage(hit), { role: 'tool', tool_call_id: 'toolu_1', content: 'order service timed out' });
    assert.equal(oai.hits.length, 2);
    assert.equal(ant.hits.length, 1);
    assert.deepEqual(toolMessage(ant.hits[0] as TestUpstream['hits'][number]), {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'order service timed out', is_error: true }],
    });
  });

  // The SDK's error classes are picked by status; `error` is the body as sent.
  const errorCases: {
    name: string;
    call: (client: Anthropic) => Promise<unknown>;
    script?: Parameters<TestUpstream['script']>;
    status: number;
    type: string;
    code?: string;
    message: RegExp;
  }[] = [
    {
      name: 'an unknown workload → not_found_error',
      call: (c) => c.messages.create({ model: 'nope', max_tokens: 10, messages: hi }),
      status: 404,
      type: 'not_found_error',
      code: 'RTR_UNKNOWN_WORKLOAD',
      message: /model "nope" is not a workload/,
    },
    {
      name: 'a block type the chat shape cannot carry → invalid_request_error naming it',
      call: (c) =>
        c.messages.create({
          model: 'support',
          max_tokens: 10,
          messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }] }],
        }),
      status: 400,
      type: 'invalid_request_error',
      code: 'REQ_UNSUPPORTED',
      message: /document/,
    },
    {
      name: 'a deterministic upstream 400 → the upstream message as invalid_request_error, no failover',
      call: (c) => c.messages.create({ model: 'support', max_tokens: 10, messages: hi }),
      script: [openAIError(400, "Invalid value for 'stop'", 'invalid_value')],
      status: 400,
      type: 'invalid_request_error',
      code: 'invalid_value',
      message: /Invalid value for 'stop'/,
    },
    {
      name: 'a 429 on a fail-closed workload → rate_limit_error',
      call: (c) => c.messages.create({ model: 'strict', max_tokens: 10, messages: hi }),
      script: [openAIError(429, 'slow down')],
      status: 429,
      type: 'rate_limit_error',
      message: /slow down/,
    },
    {
      name: 'a wrong key → authentication_error',
      call: () => sdk(wp, 'not-a-key').messages.create({ model: 'support', max_tokens: 10, messages: hi }),
      status: 401,
      type: 'authentication_error',
      code: 'AUTH_UNKNOWN_KEY',
      message: /key is not configured/,
    },
  ];
  for (const c of errorCases) {
    test(c.name, async () => {
      reset();
      if (c.script !== undefined) oai.script(...c.script);
      await assert.rejects(c.call(sdk(wp)), (err: unknown) => {
        assert.ok(err instanceof Anthropic.APIError, String(err));
        assert.equal(err.status, c.status);
        const body = err.error as { type: string; error: { type: string; message: string; code?: string } };
        assert.equal(body.type, 'error');
        assert.equal(body.error.type, c.type);
        assert.match(body.error.message, c.message);
        if (c.code !== undefined) assert.equal(body.error.code, c.code);
        assert.match(err.requestID ?? '', /^[0-9a-f-]{36}$/, 'the SDK reads the request id from request-id');
        assert.equal((body as { request_id?: string }).request_id, err.requestID, "and Anthropic's error body carries it");
        return true;
      });
      assert.equal(ant.hits.length, 0, 'nothing failed over');
    });
  }

  test('schema errors name the field, in Anthropic shape: a missing max_tokens, an unknown member', async () => {
    const post = (body: unknown) =>
      fetch(`${wp.routerUrl}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': virtualKey }, body: JSON.stringify(body) });
    const missing = await post({ model: 'support', messages: hi });
    assert.equal(missing.status, 400);
    const missingBody = (await missing.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(missingBody.type, 'error');
    assert.equal(missingBody.error.type, 'invalid_request_error');
    assert.match(missingBody.error.message, /max_tokens/);
    const unknown = await post({ model: 'support', max_tokens: 5, messages: hi, frobnicate: true });
    assert.equal(unknown.status, 400);
    assert.match(((await unknown.json()) as { error: { message: string } }).error.message, /frobnicate/);
    const notJson = await fetch(`${wp.routerUrl}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': virtualKey }, body: '{' });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { type: string }).type, 'error');
  });

  test('a stream the upstream breaks after its first bytes ends with an Anthropic error event the SDK raises', async () => {
    reset();
    oai.script({ events: openAIChunks(['hello ', 'from ', 'openai']), breakAfter: 2 });
    const stream = sdk(wp).messages.stream({ model: 'support', max_tokens: 50, messages: hi });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    await assert.rejects(stream.finalMessage(), (err: unknown) => {
      assert.match(String(err), /upstream stream broke after it started/);
      assert.equal((err as { error?: { error?: { type?: string } } }).error?.error?.type, 'api_error', 'a dropped connection is an api_error');
      return true;
    });
    assert.equal(text, 'hello ');
    const [record] = await wp.waitForRecords(1);
    assert.equal(record?.outcome, 'truncated');
  });

  test('an upstream overloaded mid-stream reaches the SDK as overloaded_error (which Anthropic clients retry), not api_error', async () => {
    reset();
    const [start, blockStart, firstDelta] = anthropicEvents(['hello ']);
    ant.script({ events: [start, blockStart, firstDelta, { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }] });
    const stream = sdk(wp).messages.stream({ model: 'claude', max_tokens: 50, messages: hi });
    await assert.rejects(stream.finalMessage(), (err: unknown) => {
      assert.ok(err instanceof Anthropic.APIError, String(err));
      assert.deepEqual(err.error, {
        type: 'error',
        error: { type: 'overloaded_error', message: 'upstream stream broke after it started (route ant-backup): upstream stream error: Overloaded', code: 'RTR_STREAM_TRUNCATED' },
      });
      return true;
    });
    const [record] = await wp.waitForRecords(1);
    assert.equal(record?.outcome, 'truncated');
  });

  test('models: the Anthropic SDK lists and retrieves workloads in its own shape; an unknown one and a wrong key are its own errors', async () => {
    const ids: string[] = [];
    for await (const model of sdk(wp).models.list()) ids.push(model.id);
    assert.deepEqual(ids, ['support', 'strict', 'claude']);
    const one = await sdk(wp).models.retrieve('claude');
    assert.equal(one.type, 'model');
    assert.equal(one.id, 'claude');
    assert.equal(one.display_name, 'claude');
    await assert.rejects(sdk(wp).models.retrieve('nope'), (err: unknown) => {
      assert.ok(err instanceof Anthropic.NotFoundError, String(err));
      assert.equal((err.error as { error: { code: string } }).error.code, 'RTR_UNKNOWN_WORKLOAD');
      return true;
    });
    await assert.rejects(sdk(wp, 'not-a-key').models.list(), (err: unknown) => {
      assert.ok(err instanceof Anthropic.AuthenticationError, String(err));
      assert.deepEqual(err.error, {
        type: 'error',
        error: { type: 'authentication_error', message: 'unknown API key: the key is not configured in warmpath', code: 'AUTH_UNKNOWN_KEY' },
        request_id: err.requestID,
      });
      return true;
    });
  });

  const weatherTool = {
    name: 'get_weather',
    description: 'Current weather for a city',
    input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
  };

  test('count_tokens on an Anthropic primary: Anthropic counts with the route model and only the counted fields; no record', async () => {
    reset();
    const { data, response } = await sdk(wp)
      .messages.countTokens({ model: 'claude', system: 'be brief', messages: hi, tools: [weatherTool], tool_choice: { type: 'any' } })
      .withResponse();
    assert.deepEqual(data, { input_tokens: anthropicTokenCount });
    assert.equal(response.headers.get('x-warmpath-token-count'), 'provider');
    assert.equal(response.headers.get('x-warmpath-route'), 'ant-backup');
    assert.equal(response.headers.get('request-id'), response.headers.get('x-warmpath-request-id'));
    assert.equal(ant.hits.length, 1);
    const hit = ant.hits[0]!;
    assert.equal(hit.path, '/v1/messages/count_tokens');
    assert.equal(hit.headers['x-api-key'], 'ant-upstream-secret');
    assert.deepEqual(hit.body, {
      model: 'claude-test',
      system: 'be brief',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      tools: [weatherTool],
      tool_choice: { type: 'any' },
    });
    assert.equal(oai.hits.length, 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(wp.records.length, 0, 'a count is not an exchange');
  });

  test("count_tokens through the SDK's beta namespace (?beta=true), as Claude Code calls it", async () => {
    reset();
    const count = await sdk(wp).beta.messages.countTokens({ model: 'claude', messages: hi });
    assert.deepEqual(count, { input_tokens: anthropicTokenCount });
    assert.equal(ant.hits[0]?.path, '/v1/messages/count_tokens');
  });

  test("count_tokens on an OpenAI-compatible primary: warmpath's o200k estimate, no upstream call", async () => {
    reset();
    const { data, response } = await sdk(wp)
      .messages.countTokens({ model: 'support', system: 'be brief', messages: [...hi, { role: 'assistant', content: 'hello' }, { role: 'user', content: 'weather in Paris?' }], tools: [weatherTool] })
      .withResponse();
    assert.equal(response.headers.get('x-warmpath-token-count'), 'estimate');
    assert.equal(response.headers.get('x-warmpath-route'), 'oai-main');
    const expected = await estimateInputTokens({
      model: 'support',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: 'weather in Paris?' },
      ],
      tools: [{ type: 'function', function: { name: weatherTool.name, description: weatherTool.description, parameters: weatherTool.input_schema } }],
    });
    assert.equal(data.input_tokens, expected);
    assert.equal(oai.hits.length, 0);
    assert.equal(ant.hits.length, 0);
  });

  test("count_tokens when Anthropic is overloaded answers the estimate; a 400 from Anthropic is the SDK's BadRequestError", async () => {
    reset();
    ant.script({ status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    const { data, response } = await sdk(wp).messages.countTokens({ model: 'claude', messages: hi }).withResponse();
    assert.equal(response.headers.get('x-warmpath-token-count'), 'estimate');
    assert.equal(data.input_tokens, await estimateInputTokens({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(ant.hits.length, 1);

    ant.script({ status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'messages.0.content: text blocks must be non-empty' } } });
    await assert.rejects(sdk(wp).messages.countTokens({ model: 'claude', messages: hi }), (err: unknown) => {
      assert.ok(err instanceof Anthropic.BadRequestError, String(err));
      assert.deepEqual((err.error as { error: unknown }).error, {
        type: 'invalid_request_error',
        message: 'messages.0.content: text blocks must be non-empty',
        code: 'invalid_request_error',
      });
      return true;
    });
  });

  test('count_tokens with the primary\'s breaker open: the estimate at once, no call to the upstream it is avoiding', async () => {
    const down = await startAnthropicUpstream('down');
    const lone = await startWarmpath({
      providers: { ant: { kind: 'anthropic', base_url: down.url, api_key: 'ant-upstream-secret' } },
      routes: { 'ant-main': route('ant', 'claude-test', { breaker: { failure_threshold: 1, cooldown_ms: 60_000 } }) },
      workloads: { claude: { primary: 'ant-main', secondaries: [], retry: { attempts: 1, timeout_ms: 1000 } } },
    });
    try {
      down.script({ status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
      await assert.rejects(sdk(lone).messages.create({ model: 'claude', max_tokens: 10, messages: hi }), Anthropic.APIError);
      const hitsBefore = down.hits.length;
      const { data, response } = await sdk(lone).messages.countTokens({ model: 'claude', messages: hi }).withResponse();
      assert.equal(response.headers.get('x-warmpath-token-count'), 'estimate');
      assert.equal(data.input_tokens, await estimateInputTokens({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] }));
      assert.equal(down.hits.length, hitsBefore);
    } finally {
      await lone.close();
      await down.close();
    }
  });

  test('count_tokens errors in Anthropic shape: no messages, thinking it cannot route, an unknown workload, a wrong key', async () => {
    reset();
    const cases: { name: string; call: () => Promise<unknown>; errorClass: abstract new (...args: never[]) => InstanceType<typeof Anthropic.APIError>; check: (body: { type: string; message: string; code: string }) => void }[] = [
      {
        name: 'no messages',
        call: () => sdk(wp).messages.countTokens({ model: 'claude' } as never),
        errorClass: Anthropic.BadRequestError,
        check: (e) => assert.match(e.message, /messages/),
      },
      {
        name: 'extended thinking',
        call: () => sdk(wp).messages.countTokens({ model: 'claude', messages: hi, thinking: { type: 'enabled', budget_tokens: 2048 } }),
        errorClass: Anthropic.BadRequestError,
        check: (e) => assert.equal(e.code, 'REQ_UNSUPPORTED'),
      },
      {
        name: 'unknown workload',
        call: () => sdk(wp).messages.countTokens({ model: 'nope', messages: hi }),
        errorClass: Anthropic.NotFoundError,
        check: (e) => assert.equal(e.code, 'RTR_UNKNOWN_WORKLOAD'),
      },
      {
        name: 'wrong key',
        call: () => sdk(wp, 'not-a-key').messages.countTokens({ model: 'claude', messages: hi }),
        errorClass: Anthropic.AuthenticationError,
        check: (e) => assert.equal(e.code, 'AUTH_UNKNOWN_KEY'),
      },
    ];
    for (const c of cases) {
      await assert.rejects(c.call(), (err: unknown) => {
        assert.ok(err instanceof c.errorClass, `${c.name}: ${String(err)}`);
        const body = err.error as { type: string; error: { type: string; message: string; code: string } };
        assert.equal(body.type, 'error', c.name);
        c.check(body.error);
        return true;
      });
    }
    assert.equal(ant.hits.length, 0, 'nothing invalid reached the upstream');
  });

  test('the chat completions route keeps OpenAI error shapes beside it', async () => {
    const res = await fetch(`${wp.routerUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${virtualKey}` },
      body: JSON.stringify({ model: 'nope', messages: hi }),
    });
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { code: string }; type?: string };
    assert.equal(body.error.code, 'RTR_UNKNOWN_WORKLOAD');
    assert.equal(body.type, undefined);
  });
});
