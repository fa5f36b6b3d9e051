// What of a record's request and response is stored, per workload `storage.content`:
//
//   full      content as sent and received (keys sorted); sha256 of each
//   redacted  content with personal data and credentials masked (redact.ts); sha256 of
//             the redacted content, so no hash of an unmasked secret is ever stored
//   hash      sha256 of each only; no content
//   none      neither content nor hashes
//
// Content is stored as canonical JSON (keys sorted, no whitespace) and the hashes are of
// that text, so the same content hashes the same whichever gateway produced the record.

import { sha256Hex } from '../core/hash.ts';
import type { ContentMode, ExchangeRequestContent, ExchangeResponseContent } from '../schemas/index.ts';
import { redactText } from './redact.ts';

export interface StoredContent {
  readonly request_json: string;
  readonly response_json: string;
  readonly request_sha256: string;
  readonly response_sha256: string;
}

const nothing: StoredContent = { request_json: '', response_json: '', request_sha256: '', response_sha256: '' };

/**
 * A copy of a JSON value with every object's keys in sorted order (undefined members
 * dropped, functions too), each string passed through `mapString` when given. Its
 * JSON.stringify is the canonical JSON: equal values give equal text, whatever key
 * order a gateway used. One copy then the native stringify is ~3× faster than building
 * the canonical text by hand, and redaction rides along on the same walk.
 */
export function canonicalCopy(value: unknown, mapString?: (text: string) => string): unknown {
  if (typeof value === 'string') return mapString === undefined ? value : mapString(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i += 1) out[i] = canonicalCopy(value[i], mapString);
    return out;
  }
  const record = value as Record<string, unknown>;
  const keys = sortedInPlace(Object.keys(record));
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const member = record[key];
    if (member === undefined || typeof member === 'function') continue;
    out[key] = canonicalCopy(member, mapString);
  }
  return out;
}

/**
 * The keys in the default sort order (UTF-16 code units), sorted where they lie. Objects
 * in requests and answers have a handful of keys; Array.prototype.sort copies them into a
 * work array first, which made it the largest allocation site of a router at full load.
 */
function sortedInPlace(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i += 1) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j -= 1;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/** JSON with object keys sorted at every level and no whitespace; undefined members dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalCopy(value)) ?? 'null';
}

function stored(request: unknown, response: unknown, mapString: ((text: string) => string) | undefined, keepContent: boolean): StoredContent {
  const requestJson = JSON.stringify(canonicalCopy(request, mapString));
  const responseJson = response === null ? '' : JSON.stringify(canonicalCopy(response, mapString));
  return {
    request_json: keepContent ? requestJson : '',
    response_json: keepContent ? responseJson : '',
    request_sha256: sha256Hex(requestJson),
    response_sha256: responseJson === '' ? '' : sha256Hex(responseJson),
  };
}

export function storedContent(
  request: ExchangeRequestContent,
  response: ExchangeResponseContent | null,
  mode: ContentMode,
): StoredContent {
  switch (mode) {
    case 'none':
      return nothing;
    case 'hash':
      return stored(request, response, undefined, false);
    case 'full':
      return stored(request, response, undefined, true);
    case 'redacted':
      return stored(request, response, redactText, true);
  }
}
