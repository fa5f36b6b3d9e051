// OpenAI-compatible embeddings (`POST {base_url}/embeddings`: OpenAI, Azure OpenAI, vLLM,
// Ollama, TEI, LiteLLM, …), pure both ways. Inputs go as one batch with float encoding; the
// answer is checked for shape (one finite vector per input, one dimension, every index once)
// rather than trusted, and errors are classified like chat errors.

import { failure, openAIErrorFailure } from './classify.ts';
import type { EmbeddingsAdapter, EmbeddingsResult, UpstreamFailure, UpstreamRequest, UpstreamTarget } from './types.ts';

/** OpenAI's limit on inputs per request; compatible servers often accept fewer. */
export const MAX_EMBEDDING_INPUTS = 2048;

export function toEmbeddingsRequest(inputs: readonly string[], model: string, target: UpstreamTarget): UpstreamRequest | UpstreamFailure {
  if (inputs.length === 0) return failure('bad_request', 0, 'embeddings request without inputs');
  if (inputs.length > MAX_EMBEDDING_INPUTS) return failure('bad_request', 0, `embeddings request with ${inputs.length} inputs > ${MAX_EMBEDDING_INPUTS}`);
  const empty = inputs.findIndex((text) => text.trim() === '');
  // OpenAI answers 400 for an empty input; refusing it here names the culprit.
  if (empty >= 0) return failure('bad_request', 0, `embeddings input ${empty} is empty`);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...target.headers };
  if (target.apiKey !== undefined && target.apiKey !== '') headers.authorization = `Bearer ${target.apiKey}`;
  return {
    url: `${target.baseUrl.replace(/\/+$/, '')}/embeddings`,
    headers,
    body: JSON.stringify({ model, input: inputs, encoding_format: 'float' }),
  };
}

function malformed(status: number, why: string): EmbeddingsResult {
  return { ok: false, failure: failure('malformed_response', status, `embeddings answer ${why}`) };
}

export function fromEmbeddingsResponse(
  status: number,
  body: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  inputCount: number,
): EmbeddingsResult {
  if (status < 200 || status >= 300) return { ok: false, failure: openAIErrorFailure(status, body, headers) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return malformed(status, `is not JSON: ${body.slice(0, 120)}`);
  }
  if (parsed === null || typeof parsed !== 'object') return malformed(status, 'is not an object');
  const answer = parsed as { data?: unknown; error?: unknown; usage?: { prompt_tokens?: unknown } };
  if (answer.error !== undefined && answer.error !== null) return { ok: false, failure: openAIErrorFailure(502, body, headers) };
  if (!Array.isArray(answer.data)) return malformed(status, 'has no data array');
  if (answer.data.length !== inputCount) return malformed(status, `has ${answer.data.length} vectors for ${inputCount} inputs`);
  const vectors: (readonly number[])[] = new Array(inputCount);
  let dimension = -1;
  for (const [position, item] of answer.data.entries()) {
    const { index, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
    // Servers that omit `index` answer in input order.
    const at = index === undefined ? position : index;
    if (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at >= inputCount) return malformed(status, `data[${position}] has index ${String(at)} outside 0..${inputCount - 1}`);
    if (vectors[at] !== undefined) return malformed(status, `repeats index ${at}`);
    if (!Array.isArray(embedding) || embedding.length === 0) return malformed(status, `data[${position}] has no embedding array (base64 is not asked for)`);
    if (!embedding.every((x) => typeof x === 'number' && Number.isFinite(x))) return malformed(status, `data[${position}] has a non-numeric value`);
    if (dimension >= 0 && embedding.length !== dimension) return malformed(status, `mixes dimensions ${dimension} and ${embedding.length}`);
    dimension = embedding.length;
    vectors[at] = embedding as number[];
  }
  const tokens = answer.usage?.prompt_tokens;
  return { ok: true, vectors, inputTokens: typeof tokens === 'number' ? tokens : undefined };
}

export const openaiEmbeddings: EmbeddingsAdapter = {
  toUpstream: toEmbeddingsRequest,
  fromUpstream: fromEmbeddingsResponse,
};
