// providers' HTTP client embed() against a local OpenAI-compatible upstream: the request on
// the wire, vectors back in input order, timeouts and providers without embeddings.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { anthropicAdapter, createHttpProviderClient, openaiAdapter } from '../providers/index.ts';
import type { ProviderConfig } from '../schemas/index.ts';
import { startUpstream } from './helpers/upstreams.ts';

const upstream = await startUpstream((hit) => ({
  body: { object: 'list', data: (hit.body.input as string[]).map((text, index) => ({ index, embedding: [text.length, 1] })), usage: { prompt_tokens: 3 } },
}));
after(() => upstream.close());

const provider = (kind: ProviderConfig['kind']): ProviderConfig => ({
  kind, base_url: `${upstream.url}/v1`, api_key: 'sk-emb', headers: {}, anthropic_version: '2023-06-01', max_connections: 4, seed: 1,
});

test('embed posts one batch to /v1/embeddings and returns vectors in input order', async () => {
  const client = createHttpProviderClient(openaiAdapter, provider('openai'));
  try {
    const result = await client.embed!(['one', 'three'], { model: 'text-embedding-3-small', signal: AbortSignal.timeout(2000) });
    assert.ok(result.ok);
    assert.deepEqual(result.vectors, [[3, 1], [5, 1]]);
    assert.equal(result.inputTokens, 3);
    const hit = upstream.hits.at(-1)!;
    assert.equal(hit.path, '/v1/embeddings');
    assert.equal(hit.headers.authorization, 'Bearer sk-emb');
    assert.deepEqual(hit.body, { model: 'text-embedding-3-small', input: ['one', 'three'], encoding_format: 'float' });
    const none = await client.embed!([], { model: 'm', signal: AbortSignal.timeout(2000) });
    assert.deepEqual(none, { ok: true, vectors: [], inputTokens: 0 });
  } finally {
    await client.close();
  }
});

test('a slow upstream is a timeout failure; a 503 a server_error', async () => {
  const client = createHttpProviderClient(openaiAdapter, provider('openai'));
  try {
    upstream.script({ delayMs: 500, body: {} });
    const slow = await client.embed!(['x'], { model: 'm', signal: AbortSignal.timeout(50) });
    assert.ok(!slow.ok);
    assert.equal(slow.failure.errorClass, 'timeout');
    upstream.script({ status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } });
    const down = await client.embed!(['x'], { model: 'm', signal: AbortSignal.timeout(2000) });
    assert.ok(!down.ok);
    assert.equal(down.failure.errorClass, 'server_error');
  } finally {
    await client.close();
  }
});

test('an anthropic client has no embed method', async () => {
  const client = createHttpProviderClient(anthropicAdapter, provider('anthropic'));
  assert.equal(client.embed, undefined);
  await client.close();
});

test('a base_url that is not a URL is a classified failure of the call, never a throw', async () => {
  const client = createHttpProviderClient(openaiAdapter, { ...provider('openai'), base_url: 'not a url' });
  try {
    const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };
    const completed = await client.complete(request, { model: 'm', signal: AbortSignal.timeout(2000) });
    assert.equal(completed.ok, false);
    const embedded = await client.embed!(['x'], { model: 'm', signal: AbortSignal.timeout(2000) });
    assert.equal(embedded.ok, false);
  } finally {
    await client.close();
  }
});
