// The insert as a ClickHouse server sees it over HTTP: the batch bytes are the body as is
// (encoded once), the statement names every column, the settings ride along. No server
// runs here, so a local HTTP endpoint records the request. Then the embedded engine's
// inserts (RowBinary through a file, JSON lines of old spool segments through the raw
// insert) and the start-up check of the table, against the real chDB.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { readdirSync } from 'node:fs';
import { bytesInsert, isEmbeddedClient, openClickHouse } from '../core/clickhouse.ts';
import { configDefaults } from '../core/config.ts';
import { checkExchangeTable, clickHouseInsert, isRetryableInsertError } from './insert.ts';
import { RowBinaryBatch } from './row-binary.ts';
import { exchangeColumns, legacyExchangeColumns, legacyJsonRow, toExchangeRow } from './row.ts';
import { syntheticRecord } from './synthetic.ts';
import { rows, tempDir, testDatabase } from '../test/helpers/clickhouse.ts';

function rowBinary(...ids: number[]): Buffer {
  const batch = new RowBinaryBatch();
  for (const i of ids) batch.append(toExchangeRow(syntheticRecord(i), { content: 'none', retention_days: 30 }));
  return Buffer.from(batch.bytes());
}

test('HTTP insert: RowBinary body sent as encoded, columns named, UTC and optimize_on_insert=0', async () => {
  const seen: { url: string; body: Buffer; auth: string | undefined }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    seen.push({ url: req.url ?? '', body: Buffer.concat(chunks), auth: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'text/plain', 'x-clickhouse-summary': '{}' }).end('');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const store = await openClickHouse({ ...configDefaults.storage, cluster: undefined, clickhouse: `http://writer:secret@127.0.0.1:${port}/analytics` });
  try {
    const insert = clickHouseInsert(store.client, `${store.database}.exchanges`, tempDir('unused'));
    const payload = rowBinary(1, 2);
    await insert(payload, 2, 'RowBinary');
    const lines = [1, 2].map((i) => legacyJsonRow(toExchangeRow(syntheticRecord(i), { content: 'none', retention_days: 30 })));
    await insert(Buffer.from(lines.join('\n')), 2, 'JSONCompactEachRow');
    assert.equal(seen.length, 2);
    const url = new URL(seen[0]?.url ?? '', 'http://x');
    assert.equal(url.searchParams.get('query'), `INSERT INTO analytics.exchanges (${exchangeColumns.join(', ')}) FORMAT RowBinary`);
    assert.equal(url.searchParams.get('session_timezone'), 'UTC');
    assert.equal(url.searchParams.get('optimize_on_insert'), '0');
    assert.deepEqual(seen[0]?.body, payload, 'the batch is the request body as it is');
    assert.equal(seen[0]?.auth, `Basic ${Buffer.from('writer:secret').toString('base64')}`);
    const legacy = new URL(seen[1]?.url ?? '', 'http://x');
    assert.equal(legacy.searchParams.get('query'), `INSERT INTO analytics.exchanges (${legacyExchangeColumns.join(', ')}) FORMAT JSONCompactEachRow`, 'an old spool segment goes in as JSON lines, in its own columns');
    assert.equal(seen[1]?.body.toString(), lines.join('\n'));
  } finally {
    await store.close();
    await new Promise((r) => server.close(r));
  }
});

test('HTTP insert: the server refusing the data is an error that is not retried, an overload one that is', async () => {
  const answers = [
    { status: 400, code: '27', text: 'Code: 27. DB::Exception: Cannot parse input: expected \'[\' before: \'x\': (at row 1). (CANNOT_PARSE_INPUT_ASSERTION_FAILED)' },
    { status: 500, code: '252', text: 'Code: 252. DB::Exception: Too many parts (300). (TOO_MANY_PARTS)' },
  ];
  let next = 0;
  const server = createServer(async (req, res) => {
    for await (const _ of req);
    const answer = answers[next++ % answers.length]!;
    res.writeHead(answer.status, { 'content-type': 'text/plain', 'x-clickhouse-exception-code': answer.code }).end(answer.text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const store = await openClickHouse({ ...configDefaults.storage, cluster: undefined, clickhouse: `http://127.0.0.1:${(server.address() as AddressInfo).port}/analytics` });
  try {
    const insert = clickHouseInsert(store.client, `${store.database}.exchanges`, tempDir('unused'));
    const payload = rowBinary(1);
    await assert.rejects(insert(payload, 1, 'RowBinary'), (err: unknown) => (err as { code?: string }).code === '27' && !isRetryableInsertError(err));
    await assert.rejects(insert(payload, 1, 'RowBinary'), (err: unknown) => (err as { code?: string }).code === '252' && isRetryableInsertError(err));
  } finally {
    await store.close();
    await new Promise((r) => server.close(r));
  }
});

test('only errors about the data are not retried', () => {
  const cases: { err: unknown; retry: boolean }[] = [
    { err: Object.assign(new Error('Cannot parse input'), { code: '27' }), retry: false },
    { err: Object.assign(new Error('Type mismatch'), { code: '53' }), retry: false },
    { err: Object.assign(new Error('Cannot read all data. Bytes read: 7. Bytes expected: 8'), { code: '33' }), retry: false },
    { err: Object.assign(new Error('Constraint `no_poison` is violated'), { code: '469' }), retry: false },
    { err: Object.assign(new Error('Too many parts'), { code: '252' }), retry: true },
    { err: Object.assign(new Error('Unknown table'), { code: '60' }), retry: true },
    { err: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), retry: true },
    { err: new Error('Timeout error.'), retry: true },
    // chDB's own errors: a class in `code`, the ClickHouse code as a number.
    { err: Object.assign(new Error('Cannot parse input (at row 2)'), { code: 'CHDB_INSERT', clickhouseCode: 27 }), retry: false },
    { err: Object.assign(new Error('Too many parts'), { code: 'CHDB_INSERT', clickhouseCode: 252 }), retry: true },
    { err: Object.assign(new Error('engine closed'), { code: 'CHDB_CLOSED' }), retry: true },
  ];
  for (const c of cases) assert.equal(isRetryableInsertError(c.err), c.retry, (c.err as Error).message);
});

test('embedded insert: both formats go in and every row reads back as written', async () => {
  const store = await testDatabase('wp_raw_insert');
  assert.ok(isEmbeddedClient(store.client), 'an embedded client');
  const fileDir = tempDir('insert');
  const insert = clickHouseInsert(store.client, `${store.database}.exchanges`, fileDir);
  const record = (i: number, content: string) => ({ ...syntheticRecord(i), response: { content, refusal: null, tool_calls: [] } });
  const answers = ['café, naïve, déjà vu', 'Ελληνικά και 日本語', 'emoji 🚀 and a quote " and a backslash \\', 'line\nbreak\ttab'];
  const exchangeRows = answers.map((a, i) => toExchangeRow(record(i, a), { content: 'full', retention_days: 30 }));
  const batch = new RowBinaryBatch();
  for (const row of exchangeRows.slice(0, 2)) batch.append(row);
  await insert(batch.bytes(), 2, 'RowBinary');
  await insert(Buffer.from(exchangeRows.slice(2).map(legacyJsonRow).join('\n')), 2, 'JSONCompactEachRow');
  const read = await rows<{ record_id: string; response_json: string }>(store, `SELECT record_id, response_json FROM ${store.database}.exchanges ORDER BY record_id`);
  assert.deepEqual(read.map((r) => (JSON.parse(r.response_json) as { content: string }).content), answers);
  assert.deepEqual(readdirSync(fileDir), [], 'no batch file left');
});

test('embedded insert: a batch the engine cannot read fails with an error that is not retried', async () => {
  const store = await testDatabase('wp_raw_insert_bad');
  const fileDir = tempDir('insert-bad');
  const insert = clickHouseInsert(store.client, `${store.database}.exchanges`, fileDir);
  const payload = rowBinary(1, 2);
  await assert.rejects(insert(payload.subarray(0, payload.length - 3), 2, 'RowBinary'), (err: unknown) => !isRetryableInsertError(err), 'RowBinary cut short');
  const good = legacyJsonRow(toExchangeRow(syntheticRecord(1), { content: 'none', retention_days: 30 }));
  const bad = good.replace(/,200,/, ',"two hundred",');
  assert.notEqual(bad, good);
  await assert.rejects(insert(Buffer.from(`${good}\n${bad}`), 2, 'JSONCompactEachRow'), (err: unknown) => !isRetryableInsertError(err), 'JSON that does not parse');
  assert.deepEqual(readdirSync(fileDir), [], 'the file is removed after a failed insert too');
  const [count] = await rows<{ n: string }>(store, `SELECT count() AS n FROM ${store.database}.exchanges`);
  assert.equal(Number(count?.n), 0, 'nothing of either batch stored');
});

test('embedded insert: its settings go with each insert, not onto the session', async () => {
  const store = await testDatabase('wp_raw_insert_settings');
  const table = `${store.database}.exchanges`;
  const line = legacyJsonRow(toExchangeRow(syntheticRecord(1), { content: 'none', retention_days: 30 }));
  const fileDir = tempDir('insert-settings');
  // The engine reads the settings: one it does not know refuses the insert, in both formats.
  const settings = { warmpath_no_such_setting: 1 };
  const unknownJson = bytesInsert(store.client, table, { format: 'JSONCompactEachRow', columns: legacyExchangeColumns, settings });
  await assert.rejects(unknownJson(Buffer.from(line)), /warmpath_no_such_setting/);
  const unknownBinary = bytesInsert(store.client, table, { format: 'RowBinary', columns: exchangeColumns, structure: 'x String', fileDir, settings });
  await assert.rejects(unknownBinary(rowBinary(1)), /warmpath_no_such_setting/);
  await clickHouseInsert(store.client, table, fileDir)(rowBinary(1), 1, 'RowBinary');
  const [session] = await rows<{ value: string }>(store, `SELECT value FROM system.settings WHERE name = 'optimize_on_insert'`);
  assert.equal(session?.value, '1', 'the collector setting stayed on its inserts');
});

test('the start-up check passes on the migrated table and names every column that differs', async () => {
  const store = await testDatabase('wp_table_check');
  await checkExchangeTable(store.client, store.database, 'exchanges');
  await store.client.command({ query: `ALTER TABLE ${store.database}.exchanges MODIFY COLUMN status UInt32, DROP COLUMN response_sha256` });
  await assert.rejects(checkExchangeTable(store.client, store.database, 'exchanges'), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'STO_SCHEMA_MISMATCH');
    assert.match(err.message, /wp_table_check\.exchanges: status is UInt32 \(want UInt16\); response_sha256 is missing \(want String\)$/);
    return true;
  });
});
