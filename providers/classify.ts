// Failure classes (design: "What the router must do"). Retryable failures are worth another
// try or another route; deterministic ones fail the same way anywhere and are returned as is.

import type { ErrorClass, OpenAIErrorBody } from '../schemas/index.ts';
import type { UpstreamFailure } from './types.ts';

const retryableClasses: ReadonlySet<ErrorClass> = new Set<ErrorClass>([
  'rate_limited',
  'server_error',
  'overloaded',
  'timeout',
  'connection',
  'empty_stream',
  'malformed_response',
  'breaker_open',
]);

export function isRetryable(errorClass: ErrorClass): boolean {
  return retryableClasses.has(errorClass);
}

const contextLengthPattern = /context[_ ]length|maximum context|context window|prompt is too long|too many tokens/i;

/** Class of an HTTP error status, refined by the error's code and message. */
export function classifyStatus(status: number, code: string | null, message: string): ErrorClass {
  if (status === 400 || status === 413 || status === 422) {
    if (code === 'context_length_exceeded' || contextLengthPattern.test(message)) return 'context_length';
  }
  switch (status) {
    case 400:
      return 'bad_request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 408:
      return 'timeout';
    case 413:
      return 'too_large';
    case 422:
      return 'unprocessable';
    case 429:
      return 'rate_limited';
    case 529:
      return 'overloaded';
    default:
      return status >= 500 ? 'server_error' : 'client_error';
  }
}

/** Milliseconds to wait from `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
export function parseRetryAfter(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  nowMs: number = Date.now(),
): number | undefined {
  const ms = first(headers['retry-after-ms']);
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const value = first(headers['retry-after'])?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const openAITypeByClass: Partial<Record<ErrorClass, string>> = {
  rate_limited: 'rate_limit_error',
  unauthorized: 'authentication_error',
  forbidden: 'permission_error',
  not_found: 'not_found_error',
  bad_request: 'invalid_request_error',
  context_length: 'invalid_request_error',
  too_large: 'invalid_request_error',
  unprocessable: 'invalid_request_error',
  client_error: 'invalid_request_error',
};

export function failure(
  errorClass: ErrorClass,
  status: number,
  message: string,
  options: { retryAfterMs?: number | undefined; code?: string | null; type?: string; param?: string | null } = {},
): UpstreamFailure {
  const body: OpenAIErrorBody = {
    error: {
      message,
      type: options.type ?? openAITypeByClass[errorClass] ?? 'upstream_error',
      param: options.param ?? null,
      code: options.code ?? (errorClass === 'context_length' ? 'context_length_exceeded' : errorClass),
    },
  };
  return { errorClass, retryable: isRetryable(errorClass), status, message, retryAfterMs: options.retryAfterMs, body };
}

/** Failure of a call that got no HTTP answer: aborted, timed out, or the connection failed. */
export function transportFailure(cause: unknown, signal: AbortSignal): UpstreamFailure {
  if (signal.aborted) {
    const reason = signal.reason as { name?: string } | undefined;
    if (reason?.name === 'TimeoutError') return failure('timeout', 0, 'upstream did not answer in time');
    return failure('cancelled', 0, 'call cancelled: the client went away');
  }
  const err = cause as { code?: string; message?: string; name?: string };
  const detail = err.code ?? err.name ?? 'error';
  if (err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT' || err.code === 'UND_ERR_CONNECT_TIMEOUT') {
    return failure('timeout', 0, `upstream timed out (${detail})`);
  }
  return failure('connection', 0, `upstream connection failed (${detail}: ${err.message ?? ''})`);
}

/** Parses an OpenAI-shaped error body into a failure, whatever the status says. */
export function openAIErrorFailure(
  status: number,
  body: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): UpstreamFailure {
  let message = `upstream answered ${status}`;
  let code: string | null = null;
  let type: string | undefined;
  let param: string | null = null;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown; code?: unknown; type?: unknown; param?: unknown } | string };
    if (typeof parsed.error === 'string') message = parsed.error;
    else if (parsed.error !== undefined && parsed.error !== null) {
      if (typeof parsed.error.message === 'string') message = parsed.error.message;
      if (typeof parsed.error.code === 'string') code = parsed.error.code;
      if (typeof parsed.error.type === 'string') type = parsed.error.type;
      if (typeof parsed.error.param === 'string') param = parsed.error.param;
    }
  } catch {
    if (body.trim() !== '') message = `upstream answered ${status}: ${body.slice(0, 200)}`;
  }
  const errorClass = classifyStatus(status, code, message);
  return failure(errorClass, status, message, {
    retryAfterMs: parseRetryAfter(headers),
    code: code ?? undefined,
    ...(type === undefined ? {} : { type }),
    param,
  });
}
