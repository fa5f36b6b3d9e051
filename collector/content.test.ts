// Content modes (full, redacted, hash, none) and the record → row mapping.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { ContentMode, ExchangeRecord } from '../schemas/index.ts';
import { canonicalJson, storedContent } from './content.ts';
import { clickHouseTime } from '../core/clickhouse-time.ts';
import { exchangeColumns, legacyExchangeColumns, legacyJsonRow, toExchangeRow } from './row.ts';
import { syntheticRecord } from './synthetic.ts';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const request = { messages: [{ role: 'user' as const, content: 'I am ann@example.com, key sk-abcdefghijklmnop1234' }], params: { temperature: 0 } };
const response = { content: 'Noted, ann@example.com.', refusal: null, tool_calls: [] };

const cases: { mode: ContentMode; want: { request_json: string; response_json: string; request_sha256: string; response_sha256: string } }[] = [
  {
    mode: 'full',
    want: {
      request_json: '{"messages":[{"content":"I am ann@example.com, key sk-abcdefghijklmnop1234","role":"user"}],"params":{"temperature":0}}',
      response_json: '{"content":"Noted, ann@example.com.","refusal":null,"tool_calls":[]}',
      request_sha256: sha(canonicalJson(request)),
      response_sha256: sha(canonicalJson(response)),
    },
  },
  {
    mode: 'redacted',
    want: {
      request_json: '{"messages":[{"content":"I am [EMAIL], key [SECRET]","role":"user"}],"params":{"temperature":0}}',
      response_json: '{"content":"Noted, [EMAIL].","refusal":null,"tool_calls":[]}',
      request_sha256: sha('{"messages":[{"content":"I am [EMAIL], key [SECRET]","role":"user"}],"params":{"temperature":0}}'),
      response_sha256: sha('{"content":"Noted, [EMAIL].","refusal":null,"tool_calls":[]}'),
    },
  },
  { mode: 'hash', want: { request_json: '', response_json: '', request_sha256: sha(canonicalJson(request)), response_sha256: sha(canonicalJson(response)) } },
  { mode: 'none', want: { request_json: '', response_json: '', request_sha256: '', response_sha256: '' } },
];

for (const c of cases) {
  test(`content mode ${c.mode}`, () => assert.deepEqual(storedContent(request, response, c.mode), c.want));
}

test('no response: empty response_json and response_sha256 in every mode', () => {
  for (const c of cases) {
    const stored = storedContent(request, null, c.mode);
    assert.equal(stored.response_json, '');
    assert.equal(stored.response_sha256, '');
  }
});

test('canonicalJson sorts keys at every level and drops undefined members', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  assert.equal(canonicalJson({ b: 1, a: 2 }), canonicalJson({ a: 2, b: 1 }));
});

test('clickHouseTime normalises any ISO 8601 time to UTC milliseconds', () => {
  assert.equal(clickHouseTime('2026-11-21T10:11:12.345Z'), '2026-11-21 10:11:12.345');
  assert.equal(clickHouseTime('2026-11-21T12:11:12+02:00'), '2026-11-21 10:11:12.000');
  assert.throws(() => clickHouseTime('yesterday'));
});

test('a record becomes one row: every column, in table order', () => {
  const record: ExchangeRecord = {
    ...syntheticRecord(1, { nowMs: Date.parse('2026-11-21T10:00:00.000Z') }),
    error_class: null,
    attempts: [
      { route: 'a', attempt: 1, status: 503, error_class: 'server_error', latency_ms: 12.5 },
      { route: 'b', attempt: 2, status: 200, error_class: null, latency_ms: 40 },
    ],
    fallback: true,
    finish_reason: null,
  };
  const row = toExchangeRow(record, { content: 'none', retention_days: 7 });
  assert.deepEqual(Object.keys(row), exchangeColumns);
  assert.equal(row.ts, '2026-11-21 09:59:59.999');
  assert.deepEqual(row.attempt_routes, ['a', 'b']);
  assert.deepEqual(row.attempt_statuses, [503, 200]);
  assert.deepEqual(row.attempt_error_classes, ['server_error', '']);
  assert.deepEqual(row.attempt_latency_ms, [12.5, 40]);
  assert.equal(row.error_class, '');
  assert.equal(row.finish_reason, '');
  assert.equal(row.fallback, true);
  assert.equal(row.retention_days, 7);
  assert.equal(row.content_mode, 'none');
  assert.equal(row.api, 'chat_completions');
  assert.equal(toExchangeRow({ ...record, api: undefined } as unknown as ExchangeRecord, { content: 'none', retention_days: 7 }).api, '', 'a gateway that does not say');
  const line = JSON.parse(legacyJsonRow(row)) as unknown[];
  assert.deepEqual(line, legacyExchangeColumns.map((c) => row[c]), 'the layout of spool segments from before RowBinary');
  assert.deepEqual(exchangeColumns.filter((c) => !legacyExchangeColumns.includes(c)), ['api']);
});

test('canonical JSON sorts keys at every level, as the default sort order does, for small and large objects', () => {
  const keys = ['role', 'content', 'Zeta', 'alpha', '_x', 'é', 'b10', 'b9', '', 'tool_calls', 'name'];
  const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${(i * 7) % 40}`, i]));
  const value = { small: Object.fromEntries(keys.map((k, i) => [k, i])), many, list: [{ role: 'user', content: 'x' }] };
  const parsed = JSON.parse(canonicalJson(value)) as { small: object; many: object; list: object[] };
  assert.deepEqual(Object.keys(parsed), ['list', 'many', 'small']);
  assert.deepEqual(Object.keys(parsed.small), [...keys].sort());
  assert.deepEqual(Object.keys(parsed.many), Object.keys(many).sort());
  assert.deepEqual(Object.keys(parsed.list[0] as object), ['content', 'role']);
});
