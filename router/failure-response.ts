// What the client sees when no route answered: deterministic upstream errors as they are,
// retryable ones relayed with their status, warmpath's own failures (timeout, breaker,
// unreachable, malformed) under warmpath codes. Always OpenAI's error shape.

import { errorCodes, type ErrorCode } from '../core/errors.ts';
import type { UpstreamFailure } from '../providers/index.ts';
import type { ErrorClass, OpenAIErrorBody } from '../schemas/index.ts';

export interface FailureResponse {
  readonly status: number;
  readonly body: OpenAIErrorBody;
  readonly headers: Readonly<Record<string, string>>;
}

const ownCodes: Partial<Record<ErrorClass, ErrorCode>> = {
  timeout: 'RTR_UPSTREAM_TIMEOUT',
  connection: 'RTR_UPSTREAM_UNAVAILABLE',
  empty_stream: 'RTR_UPSTREAM_UNAVAILABLE',
  malformed_response: 'RTR_UPSTREAM_MALFORMED',
  breaker_open: 'RTR_BREAKER_OPEN',
  truncated: 'RTR_STREAM_TRUNCATED',
};

/** nginx's "client closed request": nobody reads it, the record keeps it. */
export const clientClosedStatus = 499;

export function failureResponse(f: UpstreamFailure, route: string): FailureResponse {
  const headers: Record<string, string> = {};
  if (f.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(f.retryAfterMs / 1000));
  if (f.errorClass === 'cancelled') return { status: clientClosedStatus, body: f.body, headers };
  const own = ownCodes[f.errorClass];
  if (own !== undefined) {
    const entry = errorCodes[own];
    return {
      status: entry.status,
      body: { error: { message: `${entry.message} (route ${route}): ${f.message}`, type: entry.type, param: null, code: own } },
      headers,
    };
  }
  return { status: f.status >= 400 ? f.status : 502, body: f.body, headers };
}

const breakStatusByClass: Partial<Record<ErrorClass, number>> = { overloaded: 529, rate_limited: 429, timeout: 504 };

/**
 * The status a stream's mid-stream break stands for, for APIs whose error events carry a
 * type (Anthropic's: `overloaded_error`, which its clients retry, `rate_limit_error`,
 * `timeout_error`); any other break is a 502, `api_error`.
 */
export function streamBreakStatus(errorClass: ErrorClass | undefined): number {
  return (errorClass === undefined ? undefined : breakStatusByClass[errorClass]) ?? 502;
}
