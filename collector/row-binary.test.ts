import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { bytesInsert } from '../core/clickhouse.ts';
import type { ExchangeRecord } from '../schemas/index.ts';
import { legacyRowBinary, rows, tempDir, testDatabase } from '../test/helpers/clickhouse.ts';
import { BatchEncoder } from './batch-encoder.ts';
import { clickHouseInsert } from './insert.ts';
import { RowBinaryBatch, splitRowBinary } from './row-binary.ts';
import { exchangeColumns, legacyExchangeColumns, legacyJsonRow, toExchangeRow, type ExchangeRow } from './row.ts';
import { syntheticRecord } from './synthetic.ts';

const storage = { content: 'full', retention_days: 30 } as const;


/** Records at the edges of every column type. */
const edgeRecords: { name: string; record: ExchangeRecord }[] = [
  { name: 'synthetic', record: syntheticRecord(1) },
  { name: 'streamed, with a time to first token', record: syntheticRecord(4) },
  { name: 'no attempts, no tokens, no answer', record: { ...syntheticRecord(2), attempts: [], usage: { input_tokens: 0, output_tokens: 0 }, response: null, error_class: 'timeout', outcome: 'error', status: 504, ttft_ms: null } },
  {
    name: 'several attempts with error classes',
    record: {
      ...syntheticRecord(3),
      fallback: true,
      attempts: [
        { route: 'gpt-sim', attempt: 1, status: 429, error_class: 'rate_limited', latency_ms: 12.25 },
        { route: 'claude-sim', attempt: 2, status: 200, error_class: null, latency_ms: 300.5 },
      ],
    },
  },
  { name: 'multi-byte text everywhere', record: { ...syntheticRecord(5), tenant: 'café', session: 'Ελληνικά', response: { content: '日本語 🚀 "quoted" \\ back\nslash\ttab', refusal: null, tool_calls: [] } } },
  { name: 'a short string with one non-ASCII letter', record: { ...syntheticRecord(6), feature: 'naïve' } },
  { name: 'strings longer than a one-byte length', record: { ...syntheticRecord(7), session: 's'.repeat(200), response: { content: 'x'.repeat(20_000), refusal: null, tool_calls: [] } } },
  { name: 'a time before 1970', record: { ...syntheticRecord(8), ts: '1969-07-20T20:17:40.123Z' } },
  { name: 'the largest counts', record: { ...syntheticRecord(9), status: 65_535, usage: { input_tokens: 4_294_967_295, output_tokens: 0 } } },
];

/** count and an order-independent hash of `columns` (all by default), as the engine reads them. */
async function digest(store: Awaited<ReturnType<typeof testDatabase>>, table: string, columns = exchangeColumns): Promise<{ n: string; h: string }> {
  const [d] = await rows<{ n: string; h: string }>(store, `SELECT toString(count()) AS n, toString(groupBitXor(cityHash64(${columns.join(', ')}))) AS h FROM ${store.database}.${table}`);
  return d as { n: string; h: string };
}

test('RowBinary rows read back exactly as the same rows inserted as JSON', async () => {
  const store = await testDatabase('wp_rowbinary_roundtrip');
  await store.client.command({ query: `CREATE TABLE ${store.database}.exchanges_json AS ${store.database}.exchanges` });
  const exchangeRows = [...edgeRecords.map((c) => c.record), ...Array.from({ length: 500 }, (_, i) => syntheticRecord(100 + i))].map((r) => toExchangeRow(r, storage));
  const batch = new RowBinaryBatch();
  for (const row of exchangeRows) batch.append(row);
  assert.equal(batch.rows, exchangeRows.length);
  const fileDir = tempDir('rowbinary');
  await clickHouseInsert(store.client, `${store.database}.exchanges`, fileDir)(batch.bytes(), batch.rows, 'RowBinary');
  await bytesInsert(store.client, `${store.database}.exchanges_json`, { format: 'JSONEachRow' })(new BatchEncoder().encode(exchangeRows.map((row) => JSON.stringify(row))));
  assert.deepEqual(await digest(store, 'exchanges'), await digest(store, 'exchanges_json'));
  assert.deepEqual(
    await rows(store, `SELECT api, toString(count()) AS n FROM ${store.database}.exchanges GROUP BY api ORDER BY api`),
    ['chat_completions', 'messages'].map((api) => ({ api, n: String(exchangeRows.filter((row) => row.api === api).length) })),
    'the api column read back from its place in the row',
  );
  assert.equal((await digest(store, 'exchanges')).n, String(exchangeRows.length));
  assert.deepEqual(readdirSync(fileDir), [], 'the batch file is removed once inserted');

  // Each edge case on its own, so a failure names it.
  for (const c of edgeRecords) {
    const [back] = await rows<{ response_json: string; ts: string; ttft_ms: number | null; attempt_latency_ms: number[] }>(
      store,
      `SELECT response_json, toString(ts) AS ts, ttft_ms, attempt_latency_ms FROM ${store.database}.exchanges WHERE record_id = {id:String}`,
      { id: c.record.record_id },
    );
    const want = toExchangeRow(c.record, storage);
    assert.deepEqual(back, { response_json: want.response_json, ts: want.ts, ttft_ms: want.ttft_ms, attempt_latency_ms: want.attempt_latency_ms }, c.name);
  }
});

test('spool segments from versions before the api column go in in their own layout, with api empty', async () => {
  const store = await testDatabase('wp_rowbinary_legacy');
  for (const table of ['legacy_binary', 'legacy_halves', 'legacy_json']) await store.client.command({ query: `CREATE TABLE ${store.database}.${table} AS ${store.database}.exchanges` });
  const exchangeRows = [...edgeRecords.map((c) => c.record), ...Array.from({ length: 200 }, (_, i) => syntheticRecord(100 + i))].map((r) => toExchangeRow(r, storage));
  const current = new RowBinaryBatch();
  for (const row of exchangeRows) current.append(row);
  const insertInto = (table: string) => clickHouseInsert(store.client, `${store.database}.${table}`, tempDir('legacy'));
  await insertInto('exchanges')(current.bytes(), current.rows, 'RowBinary');

  const legacy = await legacyRowBinary(store, exchangeRows);
  assert.notEqual(legacy.length, current.bytes().length, 'a layout of its own');
  await insertInto('legacy_binary')(legacy, exchangeRows.length, 'LegacyRowBinary');
  const [first, firstRows, rest, restRows] = splitRowBinary(legacy, exchangeRows.length, 'LegacyRowBinary');
  await insertInto('legacy_halves')(first, firstRows, 'LegacyRowBinary');
  await insertInto('legacy_halves')(rest, restRows, 'LegacyRowBinary');
  await insertInto('legacy_json')(new BatchEncoder().encode(exchangeRows.map(legacyJsonRow)), exchangeRows.length, 'JSONCompactEachRow');

  const want = await digest(store, 'exchanges', legacyExchangeColumns);
  assert.equal(want.n, String(exchangeRows.length));
  for (const table of ['legacy_binary', 'legacy_halves', 'legacy_json']) {
    assert.deepEqual(await digest(store, table, legacyExchangeColumns), want, `${table}: every column but api as the rows had it`);
    assert.deepEqual(await rows(store, `SELECT DISTINCT api FROM ${store.database}.${table}`), [{ api: '' }], `${table}: api empty`);
  }
});

test('a value that does not fit its column throws naming it, and leaves nothing of the row behind', () => {
  const good = toExchangeRow(syntheticRecord(1), storage);
  const cases: { name: string; row: ExchangeRow; error: RegExp }[] = [
    { name: 'status above UInt16', row: { ...good, status: 70_000 }, error: /status 70000 is not a UInt16$/ },
    { name: 'fractional status', row: { ...good, status: 200.5 }, error: /status 200.5 is not a UInt16/ },
    { name: 'negative tokens', row: { ...good, input_tokens: -1 }, error: /input_tokens -1 is not a UInt32/ },
    { name: 'tokens above UInt32', row: { ...good, output_tokens: 2 ** 32 }, error: /output_tokens 4294967296 is not a UInt32/ },
    { name: 'attempt status not an integer', row: { ...good, attempt_statuses: [200, Number.NaN] }, error: /attempt_statuses NaN is not a UInt16/ },
    { name: 'retention above UInt16', row: { ...good, retention_days: 100_000 }, error: /retention_days 100000 is not a UInt16/ },
    { name: 'a time that is not one', row: { ...good, ts: 'yesterday' }, error: /ts "yesterday" is not a time/ },
  ];
  const batch = new RowBinaryBatch();
  batch.append(good);
  const before = Buffer.from(batch.bytes());
  for (const c of cases) {
    assert.throws(() => batch.append(c.row), c.error, c.name);
    assert.deepEqual(batch.bytes(), before, `${c.name}: the batch is as it was`);
    assert.equal(batch.rows, 1, c.name);
  }
  batch.append(good);
  assert.equal(batch.bytes().length, before.length * 2, 'the next row goes where the refused one would have');
});

test('a RowBinary payload splits after its first half of rows, as views of the same bytes', () => {
  const cases = [2, 3, 9, 10].map((n) => ({ n, rows: [...edgeRecords.map((c) => c.record), ...edgeRecords.map((c) => c.record)].slice(0, n).map((r) => toExchangeRow(r, storage)) }));
  for (const c of cases) {
    const all = new RowBinaryBatch();
    for (const row of c.rows) all.append(row);
    const half = Math.ceil(c.n / 2);
    const firstHalf = new RowBinaryBatch();
    for (const row of c.rows.slice(0, half)) firstHalf.append(row);
    const payload = all.bytes();
    const [first, firstRows, rest, restRows] = splitRowBinary(payload, c.n);
    assert.deepEqual([firstRows, restRows], [half, c.n - half], `${c.n} rows`);
    assert.deepEqual(first, firstHalf.bytes(), `${c.n} rows: the first half is those rows' bytes`);
    assert.equal(first.length + rest.length, payload.length);
    assert.equal(first.buffer, payload.buffer, 'no copy');
  }
  const two = new RowBinaryBatch();
  two.append(toExchangeRow(syntheticRecord(1), storage));
  two.append(toExchangeRow(syntheticRecord(2), storage));
  assert.throws(() => splitRowBinary(two.bytes().subarray(0, 100), 4), /ends before row 2|ends inside a length/, 'bytes shorter than their rows');
});

test('the Buffer grows with the rows and is reused after a reset', () => {
  const batch = new RowBinaryBatch(1);
  const initial = batch.capacity;
  const big = toExchangeRow({ ...syntheticRecord(1), response: { content: 'y'.repeat(3 << 20), refusal: null, tool_calls: [] } }, storage);
  batch.append(big);
  assert.ok(batch.capacity > initial && batch.capacity >= batch.bytes().length);
  const grown = batch.capacity;
  batch.reset();
  assert.equal(batch.rows, 0);
  assert.equal(batch.bytes().length, 0);
  batch.append(toExchangeRow(syntheticRecord(2), storage));
  assert.equal(batch.capacity, grown, 'same memory for the next batch');
});
