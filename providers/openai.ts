// OpenAI-compatible adapter (OpenAI, Azure OpenAI, Groq, vLLM, Ollama, …): the wire format
// is already warmpath's, so requests pass through with the route's model and answers are
// checked for shape rather than translated.

import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../schemas/index.ts';
import { failure, openAIErrorFailure } from './classify.ts';
import { openaiEmbeddings } from './openai-embeddings.ts';
import { UpstreamStreamError } from './types.ts';
import type { CompletionResult, HttpAdapter, StreamTranslator, UpstreamRequest, UpstreamTarget } from './types.ts';

function toUpstream(request: ChatRequest, model: string, stream: boolean, target: UpstreamTarget): UpstreamRequest {
  // Usage is always asked for on streams so cost can be recorded; the router drops the
  // usage-only chunk again when the client did not ask for it.
  const body = stream
    ? { ...request, model, stream: true, stream_options: { ...request.stream_options, include_usage: true } }
    : { ...request, model, stream: false };
  if (!stream) delete (body as { stream_options?: unknown }).stream_options;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...target.headers };
  if (target.apiKey !== undefined && target.apiKey !== '') headers.authorization = `Bearer ${target.apiKey}`;
  return { url: `${target.baseUrl.replace(/\/+$/, '')}/chat/completions`, headers, body: JSON.stringify(body) };
}

export function isChatCompletion(value: unknown): value is ChatCompletion {
  if (value === null || typeof value !== 'object') return false;
  const choices = (value as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length === 0) return false;
  const message = (choices[0] as { message?: unknown }).message;
  return message !== null && typeof message === 'object';
}

function fromUpstream(
  status: number,
  body: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): CompletionResult {
  if (status < 200 || status >= 300) return { ok: false, failure: openAIErrorFailure(status, body, headers) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, failure: failure('malformed_response', status, `upstream answered ${status} with a body that is not JSON: ${body.slice(0, 120)}`) };
  }
  if (!isChatCompletion(parsed)) {
    if ((parsed as { error?: unknown } | null)?.error !== undefined) return { ok: false, failure: openAIErrorFailure(502, body, headers) };
    return { ok: false, failure: failure('malformed_response', status, 'upstream answer has no choices[0].message') };
  }
  return { ok: true, completion: parsed, json: body };
}

function createStreamTranslator(): StreamTranslator {
  return (message) => {
    const data = message.data.trim();
    if (data === '[DONE]') return { events: [], done: true };
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      throw streamFailure('malformed_response', `upstream sent a stream event that is not JSON: ${data.slice(0, 120)}`);
    }
    if (chunk === null || typeof chunk !== 'object') throw streamFailure('malformed_response', 'upstream sent a stream event that is not an object');
    const error = (chunk as { error?: { message?: string; code?: string } | null }).error;
    if (error !== undefined && error !== null) {
      throw streamFailure(error.code === 'rate_limit_exceeded' ? 'rate_limited' : 'server_error', `upstream stream error: ${error.message ?? 'unknown'}`);
    }
    if (!Array.isArray((chunk as { choices?: unknown }).choices)) {
      throw streamFailure('malformed_response', 'upstream stream event has no choices array');
    }
    return { events: [{ chunk: chunk as ChatCompletionChunk, data }], done: false };
  };
}

function streamFailure(errorClass: 'malformed_response' | 'rate_limited' | 'server_error', message: string): UpstreamStreamError {
  return new UpstreamStreamError(failure(errorClass, 200, message));
}

export const openaiAdapter: HttpAdapter = {
  kind: 'openai',
  toUpstream,
  fromUpstream,
  createStreamTranslator,
  embeddings: openaiEmbeddings,
};
