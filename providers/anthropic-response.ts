// Anthropic response or error → OpenAI completion or classified failure, with the
// stop-reason, usage and error-type mappings the stream translator shares.

import type { ChatCompletion, ErrorClass, FinishReason, ToolCall, Usage } from '../schemas/index.ts';
import { classifyStatus, failure, parseRetryAfter } from './classify.ts';
import type { CompletionResult, TokenCountResult, UpstreamFailure } from './types.ts';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

export interface AnthropicUsage {
  readonly input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly cache_creation_input_tokens?: number | null;
  readonly cache_read_input_tokens?: number | null;
}

const finishByStopReason: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function finishReason(stopReason: unknown): FinishReason | null {
  return typeof stopReason === 'string' ? (finishByStopReason[stopReason] ?? null) : null;
}

/** Prompt tokens in OpenAI's sense: everything read, cached or not. */
export function promptTokens(usage: AnthropicUsage): number {
  return (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
}

export function openAIUsage(prompt: number, completion: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

interface AnthropicResponse {
  readonly id: string;
  readonly model: string;
  readonly content: readonly { readonly type: string; readonly [k: string]: unknown }[];
  readonly stop_reason?: string | null;
  readonly stop_sequence?: string | null;
  readonly usage?: AnthropicUsage;
}

function isAnthropicResponse(value: unknown): value is AnthropicResponse {
  if (value === null || typeof value !== 'object') return false;
  const v = value as { id?: unknown; model?: unknown; content?: unknown };
  return (
    typeof v.id === 'string' &&
    typeof v.model === 'string' &&
    Array.isArray(v.content) &&
    v.content.every((block) => block !== null && typeof block === 'object' && typeof (block as { type?: unknown }).type === 'string')
  );
}

export function fromUpstream(status: number, body: string, headers: Headers): CompletionResult {
  const answer = successBody(status, body, headers);
  if (!answer.ok) return answer;
  const parsed = answer.parsed;
  if ((parsed as { type?: unknown } | null)?.type === 'error') {
    const error = errorOf(parsed);
    return { ok: false, failure: anthropicFailure(classOfErrorType(error.type), status, error.message, error.type, headers) };
  }
  if (!isAnthropicResponse(parsed)) {
    return { ok: false, failure: failure('malformed_response', status, 'upstream answer is not an Anthropic message (id, model, content[])') };
  }
  const completion = toCompletion(parsed);
  const stopSequence = matchedStopSequence(parsed.stop_reason, parsed.stop_sequence);
  return { ok: true, completion, json: JSON.stringify(completion), ...(stopSequence === undefined ? {} : { stopSequence }) };
}

/** The sequence Anthropic says ended the answer: only with stop_reason `stop_sequence`. */
export function matchedStopSequence(stopReason: unknown, stopSequence: unknown): string | undefined {
  return stopReason === 'stop_sequence' && typeof stopSequence === 'string' ? stopSequence : undefined;
}

/** Anthropic's count_tokens answer ({"input_tokens": n}) or a classified failure. */
export function fromCountTokens(status: number, body: string, headers: Headers): TokenCountResult {
  const answer = successBody(status, body, headers);
  if (!answer.ok) return answer;
  const inputTokens = (answer.parsed as { input_tokens?: unknown } | null)?.input_tokens;
  if (typeof inputTokens !== 'number' || !Number.isSafeInteger(inputTokens) || inputTokens < 0) {
    return { ok: false, failure: failure('malformed_response', status, 'upstream token count has no input_tokens (a whole number ≥ 0)') };
  }
  return { ok: true, inputTokens, countedBy: 'provider' };
}

/** A 2xx answer's parsed JSON, or the failure an error status or a body that is not JSON is. */
function successBody(status: number, body: string, headers: Headers): { ok: true; parsed: unknown } | { ok: false; failure: UpstreamFailure } {
  if (status < 200 || status >= 300) return { ok: false, failure: anthropicErrorFailure(status, body, headers) };
  try {
    return { ok: true, parsed: JSON.parse(body) };
  } catch {
    return { ok: false, failure: failure('malformed_response', status, `upstream answered ${status} with a body that is not JSON: ${body.slice(0, 120)}`) };
  }
}

function toCompletion(response: AnthropicResponse): ChatCompletion {
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of response.content) {
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: String(block.id),
        type: 'function',
        function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const usage = response.usage === undefined ? undefined : openAIUsage(promptTokens(response.usage), response.usage.output_tokens ?? 0);
  return {
    id: response.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: response.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: texts.length === 0 ? null : texts.join(''),
          refusal: null,
          ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls }),
        },
        finish_reason: finishReason(response.stop_reason),
        logprobs: null,
      },
    ],
    ...(usage === undefined ? {} : { usage }),
  };
}

// ---- errors ----------------------------------------------------------------------------

const openAITypeByErrorType: Readonly<Record<string, string>> = {
  invalid_request_error: 'invalid_request_error',
  request_too_large: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'not_found_error',
  rate_limit_error: 'rate_limit_error',
  billing_error: 'insufficient_quota',
  api_error: 'server_error',
  overloaded_error: 'server_error',
  timeout_error: 'server_error',
};

/** Class of an error that arrived without a meaningful HTTP status (in a 200 or a stream). */
export function classOfErrorType(type: string | null): ErrorClass {
  if (type === 'overloaded_error') return 'overloaded';
  if (type === 'rate_limit_error') return 'rate_limited';
  return 'server_error';
}

export function errorOf(parsed: unknown): { type: string | null; message: string | null } {
  const error = (parsed as { error?: { type?: unknown; message?: unknown } } | null)?.error;
  return {
    type: typeof error?.type === 'string' ? error.type : null,
    message: typeof error?.message === 'string' ? error.message : null,
  };
}

function anthropicErrorFailure(status: number, body: string, headers: Headers): UpstreamFailure {
  let error: { type: string | null; message: string | null } = { type: null, message: null };
  try {
    error = errorOf(JSON.parse(body));
  } catch {
    // Not JSON: a proxy or load balancer answered; its text is the message.
  }
  const message = error.message ?? (body.trim() === '' ? `upstream answered ${status}` : `upstream answered ${status}: ${body.slice(0, 200)}`);
  return anthropicFailure(classifyStatus(status, null, message), status, message, error.type, headers);
}

function anthropicFailure(errorClass: ErrorClass, status: number, message: string | null, errorType: string | null, headers: Headers): UpstreamFailure {
  const type = errorType === null ? undefined : openAITypeByErrorType[errorType];
  return failure(errorClass, status, message ?? `upstream answered ${status}`, {
    retryAfterMs: parseRetryAfter(headers),
    // OpenAI clients recognise a too-long prompt by this code, not by Anthropic's type.
    code: errorClass === 'context_length' ? 'context_length_exceeded' : errorType,
    ...(type === undefined ? {} : { type }),
  });
}
