import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ErrorClass } from '../schemas/index.ts';
import { streamBreakStatus } from './failure-response.ts';
import { messagesErrorType } from './messages-answer.ts';

// What an Anthropic client reads as the type of a mid-stream error event.
const breakCases: { errorClass: ErrorClass | undefined; status: number; type: string }[] = [
  { errorClass: 'overloaded', status: 529, type: 'overloaded_error' },
  { errorClass: 'rate_limited', status: 429, type: 'rate_limit_error' },
  { errorClass: 'timeout', status: 504, type: 'timeout_error' },
  { errorClass: 'server_error', status: 502, type: 'api_error' },
  { errorClass: 'truncated', status: 502, type: 'api_error' },
  { errorClass: 'malformed_response', status: 502, type: 'api_error' },
  { errorClass: undefined, status: 502, type: 'api_error' },
];

for (const c of breakCases) {
  test(`a stream broken by ${c.errorClass ?? 'an unknown cause'} stands for ${c.status}, ${c.type}`, () => {
    assert.equal(streamBreakStatus(c.errorClass), c.status);
    assert.equal(messagesErrorType(streamBreakStatus(c.errorClass)), c.type);
  });
}
