// One exchange record per request served (kind `primary`) and per mirrored call (kinds
// `shadow` and `twin`). The JSON Schema beside this file (exchange.schema.json) validates
// records arriving from other gateways; keys are snake_case because they become columns.

import type { ChatMessage, FunctionTool, ResponseFormat, ToolCall, ToolChoice } from './chat.ts';

export type ExchangeKind = 'primary' | 'shadow' | 'twin';
/**
 * The API the client called, whichever provider served it: OpenAI's chat completions or
 * Responses, or Anthropic's messages. Shadows and twins carry their primary's.
 */
export type ExchangeApi = 'chat_completions' | 'responses' | 'messages';
export type ExchangeOutcome = 'ok' | 'error' | 'truncated';

/**
 * Why an upstream attempt failed. The first group is retryable (worth another try or
 * another route), the second deterministic (the same request fails the same way anywhere).
 */
export type ErrorClass =
  | 'rate_limited'
  | 'server_error'
  | 'overloaded'
  | 'timeout'
  | 'connection'
  | 'empty_stream'
  | 'malformed_response'
  | 'breaker_open'
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'too_large'
  | 'unprocessable'
  | 'context_length'
  | 'client_error'
  | 'truncated'
  | 'cancelled';

export interface ExchangeAttempt {
  readonly route: string;
  /** 1-based position of this attempt in the request's whole sequence. */
  readonly attempt: number;
  /** Upstream HTTP status; 0 when no status was received. */
  readonly status: number;
  readonly error_class: ErrorClass | null;
  readonly latency_ms: number;
}

export interface ExchangeUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
}

export interface ExchangeRequestContent {
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly FunctionTool[];
  readonly tool_choice?: ToolChoice;
  readonly response_format?: ResponseFormat;
  readonly params?: Readonly<Record<string, unknown>>;
}

export interface ExchangeResponseContent {
  readonly content: string | null;
  readonly refusal: string | null;
  readonly tool_calls: readonly ToolCall[];
}

export interface ExchangeRecord {
  readonly record_id: string;
  readonly kind: ExchangeKind;
  /** For `primary` its own record_id; for `shadow` and `twin` the primary's record_id. */
  readonly pair_id: string;
  readonly request_id: string;
  /** Start of the request, ISO 8601 UTC with milliseconds. */
  readonly ts: string;
  readonly tenant: string;
  readonly workload: string;
  readonly feature: string;
  readonly session: string;
  /** Route that produced the answer (or the last one tried when none did). */
  readonly route: string;
  readonly provider: string;
  readonly model: string;
  readonly request_model: string;
  /** Optional in ingested records (stored as '' when a gateway does not say). */
  readonly api: ExchangeApi;
  readonly stream: boolean;
  /** HTTP status warmpath returned (primary) or the call ended with (shadow, twin). */
  readonly status: number;
  readonly outcome: ExchangeOutcome;
  readonly error_class: ErrorClass | null;
  readonly fallback: boolean;
  readonly attempts: readonly ExchangeAttempt[];
  readonly latency_ms: number;
  readonly ttft_ms: number | null;
  readonly usage: ExchangeUsage;
  readonly cost_usd: number;
  readonly finish_reason: string | null;
  readonly request: ExchangeRequestContent;
  readonly response: ExchangeResponseContent | null;
}

/** Where exchange records go: the collector implements it, the router writes to it. */
export interface ExchangeSink {
  /** Must not block or throw: the request path calls it. */
  write(record: ExchangeRecord): void;
}

/** Which stored rows to sum: calls started on the UTC day from `dayStartMs`, inserted after `insertedAfterMs`. */
export interface SpendWindowQuery {
  readonly dayStartMs: number;
  readonly insertedAfterMs: number;
}

/** Stored shadow and twin spend in one window of insertion time. */
export interface SpendWindow {
  /** Every row inserted before this (storage's clock) is counted; the next window starts here. */
  readonly insertedBeforeMs: number;
  /** USD per workload, for workloads with any spend in the window. */
  readonly usdByWorkload: ReadonlyMap<string, number>;
}

/** Stored spend, as the collector reads it: the router holds its shadow budgets against it. */
export type SpendSource = (query: SpendWindowQuery, signal?: AbortSignal) => Promise<SpendWindow>;
