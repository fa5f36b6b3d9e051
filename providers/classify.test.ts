import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ErrorClass } from '../schemas/index.ts';
import { classifyStatus, failure, isRetryable, parseRetryAfter } from './classify.ts';

const statusCases: { status: number; code?: string; message?: string; want: ErrorClass }[] = [
  { status: 400, want: 'bad_request' },
  { status: 400, code: 'context_length_exceeded', want: 'context_length' },
  { status: 400, message: 'prompt is too long: 215234 tokens > 200000 maximum', want: 'context_length' },
  { status: 400, message: "This model's maximum context length is 8192 tokens", want: 'context_length' },
  { status: 401, want: 'unauthorized' },
  { status: 403, want: 'forbidden' },
  { status: 404, want: 'not_found' },
  { status: 408, want: 'timeout' },
  { status: 413, want: 'too_large' },
  { status: 413, message: 'too many tokens in the prompt', want: 'context_length' },
  { status: 422, want: 'unprocessable' },
  { status: 429, want: 'rate_limited' },
  // A context-length phrase on a status that is not about the request is not context_length.
  { status: 429, message: 'too many tokens per minute', want: 'rate_limited' },
  { status: 500, want: 'server_error' },
  { status: 502, want: 'server_error' },
  { status: 503, want: 'server_error' },
  { status: 504, want: 'server_error' },
  { status: 529, want: 'overloaded' },
  { status: 418, want: 'client_error' },
];

for (const c of statusCases) {
  test(`classifyStatus ${c.status}${c.code ? ` code ${c.code}` : ''}${c.message ? ` "${c.message}"` : ''} → ${c.want}`, () => {
    assert.equal(classifyStatus(c.status, c.code ?? null, c.message ?? ''), c.want);
  });
}

const now = Date.parse('2025-03-10T12:00:00Z');

const retryAfterCases: { name: string; headers: Record<string, string | string[] | undefined>; want: number | undefined }[] = [
  { name: 'seconds', headers: { 'retry-after': '30' }, want: 30_000 },
  { name: 'fractional seconds round up', headers: { 'retry-after': '1.5' }, want: 1500 },
  { name: 'retry-after-ms wins over retry-after', headers: { 'retry-after-ms': '250', 'retry-after': '30' }, want: 250 },
  { name: 'fractional ms rounds up', headers: { 'retry-after-ms': '12.2' }, want: 13 },
  { name: 'garbage retry-after-ms falls back to retry-after', headers: { 'retry-after-ms': 'soon', 'retry-after': '2' }, want: 2000 },
  { name: 'HTTP date in the future', headers: { 'retry-after': 'Mon, 10 Mar 2025 12:00:45 GMT' }, want: 45_000 },
  { name: 'HTTP date in the past', headers: { 'retry-after': 'Mon, 10 Mar 2025 11:59:00 GMT' }, want: 0 },
  { name: 'array value: first one', headers: { 'retry-after': ['3', '9'] }, want: 3000 },
  { name: 'garbage', headers: { 'retry-after': 'soon' }, want: undefined },
  { name: 'empty', headers: { 'retry-after': '' }, want: undefined },
  { name: 'absent', headers: {}, want: undefined },
];

for (const c of retryAfterCases) {
  test(`parseRetryAfter: ${c.name}`, () => {
    assert.equal(parseRetryAfter(c.headers, now), c.want);
  });
}

const retryableCases: { errorClass: ErrorClass; want: boolean }[] = [
  { errorClass: 'rate_limited', want: true },
  { errorClass: 'server_error', want: true },
  { errorClass: 'overloaded', want: true },
  { errorClass: 'timeout', want: true },
  { errorClass: 'connection', want: true },
  { errorClass: 'empty_stream', want: true },
  { errorClass: 'malformed_response', want: true },
  { errorClass: 'breaker_open', want: true },
  { errorClass: 'bad_request', want: false },
  { errorClass: 'unauthorized', want: false },
  { errorClass: 'forbidden', want: false },
  { errorClass: 'not_found', want: false },
  { errorClass: 'too_large', want: false },
  { errorClass: 'unprocessable', want: false },
  { errorClass: 'context_length', want: false },
  { errorClass: 'client_error', want: false },
  { errorClass: 'truncated', want: false },
  { errorClass: 'cancelled', want: false },
];

for (const c of retryableCases) {
  test(`isRetryable ${c.errorClass} → ${c.want}`, () => {
    assert.equal(isRetryable(c.errorClass), c.want);
    assert.equal(failure(c.errorClass, 0, 'x').retryable, c.want);
  });
}

const failureCases: { name: string; got: ReturnType<typeof failure>['body']; want: ReturnType<typeof failure>['body'] }[] = [
  {
    name: 'defaults: OpenAI type from the class, code is the class',
    got: failure('rate_limited', 429, 'slow down').body,
    want: { error: { message: 'slow down', type: 'rate_limit_error', param: null, code: 'rate_limited' } },
  },
  {
    name: 'context_length gets OpenAI code context_length_exceeded',
    got: failure('context_length', 400, 'too long').body,
    want: { error: { message: 'too long', type: 'invalid_request_error', param: null, code: 'context_length_exceeded' } },
  },
  {
    name: 'class without an OpenAI type is upstream_error',
    got: failure('overloaded', 529, 'busy').body,
    want: { error: { message: 'busy', type: 'upstream_error', param: null, code: 'overloaded' } },
  },
  {
    name: 'explicit type, code and param win',
    got: failure('bad_request', 400, 'bad', { type: 't', code: 'c', param: 'p' }).body,
    want: { error: { message: 'bad', type: 't', param: 'p', code: 'c' } },
  },
];

for (const c of failureCases) {
  test(`failure: ${c.name}`, () => {
    assert.deepEqual(c.got, c.want);
  });
}
