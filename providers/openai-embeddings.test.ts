import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ErrorClass } from '../schemas/index.ts';
import { fromEmbeddingsResponse, MAX_EMBEDDING_INPUTS, toEmbeddingsRequest } from './openai-embeddings.ts';
import { openaiAdapter } from './openai.ts';
import type { UpstreamTarget } from './types.ts';

const target: UpstreamTarget = { baseUrl: 'https://api.openai.com/v1/', apiKey: 'sk-test', headers: { 'x-team': 'parity' }, anthropicVersion: '' };

test('request: one batch to {base_url}/embeddings, float encoding, the route model, bearer key and headers', () => {
  const req = toEmbeddingsRequest(['first answer', 'second answer'], 'text-embedding-3-small', target);
  assert.ok('url' in req);
  assert.equal(req.url, 'https://api.openai.com/v1/embeddings');
  assert.deepEqual(req.headers, { 'content-type': 'application/json', 'x-team': 'parity', authorization: 'Bearer sk-test' });
  assert.deepEqual(JSON.parse(req.body), { model: 'text-embedding-3-small', input: ['first answer', 'second answer'], encoding_format: 'float' });
  const keyless = toEmbeddingsRequest(['x'], 'nomic-embed-text', { ...target, apiKey: undefined, headers: {} });
  assert.ok('url' in keyless);
  assert.deepEqual(keyless.headers, { 'content-type': 'application/json' });
});

const refused: { name: string; inputs: string[]; want: RegExp }[] = [
  { name: 'no inputs', inputs: [], want: /without inputs/ },
  { name: 'an empty input, named', inputs: ['fine', '  '], want: /input 1 is empty/ },
  { name: 'too many inputs', inputs: new Array<string>(MAX_EMBEDDING_INPUTS + 1).fill('x'), want: /2049 inputs > 2048/ },
];
for (const c of refused) {
  test(`request refused: ${c.name}`, () => {
    const req = toEmbeddingsRequest(c.inputs, 'm', target);
    assert.ok(!('url' in req));
    assert.equal(req.errorClass, 'bad_request');
    assert.match(req.message, c.want);
  });
}

const vector = (...xs: number[]) => xs;
const ok = (data: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ object: 'list', data, model: 'm', ...extra });

const answers: {
  name: string;
  status?: number;
  body: string;
  inputs: number;
  want: { vectors: number[][]; inputTokens?: number } | { errorClass: ErrorClass; message?: RegExp };
}[] = [
  {
    name: 'vectors sorted by index, usage read',
    body: ok([{ object: 'embedding', index: 1, embedding: vector(0, 1) }, { object: 'embedding', index: 0, embedding: vector(1, 0) }], { usage: { prompt_tokens: 7, total_tokens: 7 } }),
    inputs: 2,
    want: { vectors: [[1, 0], [0, 1]], inputTokens: 7 },
  },
  { name: 'no index: input order (some compatible servers)', body: ok([{ embedding: [0.5] }, { embedding: [0.25] }]), inputs: 2, want: { vectors: [[0.5], [0.25]] } },
  { name: 'fewer vectors than inputs', body: ok([{ index: 0, embedding: [1] }]), inputs: 2, want: { errorClass: 'malformed_response', message: /1 vectors for 2 inputs/ } },
  { name: 'repeated index', body: ok([{ index: 0, embedding: [1] }, { index: 0, embedding: [1] }]), inputs: 2, want: { errorClass: 'malformed_response', message: /repeats index 0/ } },
  { name: 'index out of range', body: ok([{ index: 3, embedding: [1] }]), inputs: 1, want: { errorClass: 'malformed_response', message: /index 3 outside 0\.\.0/ } },
  { name: 'base64 string instead of floats', body: ok([{ index: 0, embedding: 'AAAAAA==' }]), inputs: 1, want: { errorClass: 'malformed_response', message: /no embedding array/ } },
  { name: 'a non-numeric value', body: ok([{ index: 0, embedding: [1, null] }]), inputs: 1, want: { errorClass: 'malformed_response', message: /non-numeric/ } },
  { name: 'mixed dimensions', body: ok([{ index: 0, embedding: [1, 0] }, { index: 1, embedding: [1] }]), inputs: 2, want: { errorClass: 'malformed_response', message: /mixes dimensions 2 and 1/ } },
  { name: 'not JSON', body: '<html>gateway</html>', inputs: 1, want: { errorClass: 'malformed_response', message: /not JSON/ } },
  { name: 'no data array', body: JSON.stringify({ object: 'list' }), inputs: 1, want: { errorClass: 'malformed_response', message: /no data array/ } },
  { name: 'an error inside a 200', body: JSON.stringify({ error: { message: 'model overloaded', type: 'server_error', code: null } }), inputs: 1, want: { errorClass: 'server_error', message: /model overloaded/ } },
  { name: '429 is rate_limited', status: 429, body: JSON.stringify({ error: { message: 'slow down', type: 'rate_limit_error', code: 'rate_limit_exceeded' } }), inputs: 1, want: { errorClass: 'rate_limited' } },
  { name: '400 context length', status: 400, body: JSON.stringify({ error: { message: "This model's maximum context length is 8192 tokens", type: 'invalid_request_error', code: null } }), inputs: 1, want: { errorClass: 'context_length' } },
  { name: '503 is server_error', status: 503, body: 'upstream connect error', inputs: 1, want: { errorClass: 'server_error', message: /503: upstream connect error/ } },
];
for (const c of answers) {
  test(`answer: ${c.name}`, () => {
    const got = fromEmbeddingsResponse(c.status ?? 200, c.body, {}, c.inputs);
    if ('vectors' in c.want) {
      assert.ok(got.ok, got.ok ? '' : got.failure.message);
      assert.deepEqual(got.vectors, c.want.vectors);
      assert.equal(got.inputTokens, c.want.inputTokens);
    } else {
      assert.ok(!got.ok);
      assert.equal(got.failure.errorClass, c.want.errorClass);
      if (c.want.message !== undefined) assert.match(got.failure.message, c.want.message);
    }
  });
}

test('the openai adapter carries the embeddings transforms', () => {
  assert.equal(openaiAdapter.embeddings?.toUpstream, toEmbeddingsRequest);
  assert.equal(openaiAdapter.embeddings?.fromUpstream, fromEmbeddingsResponse);
});
