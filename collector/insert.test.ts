// The insert as a ClickHouse server sees it over HTTP: the batch bytes are the body as is
// (serialised once), the statement names every column, the settings ride along. No server
// runs here, so a local HTTP endpoint records the request. Then the embedded engine's raw
// insert, against the real chDB.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { bytesInsert, isEmbeddedClient, openClickHouse } from '../core/clickhouse.ts';
import { configDefaults } from '../core/config.ts';
import { clickHouseInsert, isRetryableInsertError } from './insert.ts';
import { exchangeColumns, serializeRow, toExchangeRow } from './row.ts';
import { syntheticRecord } from './synthetic.ts';
import { rows, testDatabase } from '../test/helpers/clickhouse.ts';

test('HTTP insert: JSONCompactEachRow body sent as serialised, columns named, UTC and optimize_on_insert=0', async () => {
  const seen: { url: string; body: string; auth: string | undefined }[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    seen.push({ url: req.url ?? '', body, auth: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'text/plain', 'x-clickhouse-summary': '{}' }).end('');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const store = await openClickHouse({ ...configDefaults.storage, cluster: undefined, clickhouse: `http://writer:secret@127.0.0.1:${port}/analytics` });
  try {
    const insert = clickHouseInsert(store.client, `${store.database}.exchanges`);
    const lines = [1, 2].map((i) => serializeRow(toExchangeRow(syntheticRecord(i), { content: 'none', retention_days: 30 })));
    await insert(Buffer.from(lines.join('\n')), 2);
    assert.equal(seen.length, 1);
    const url = new URL(seen[0]?.url ?? '', 'http://x');
    assert.equal(url.searchParams.get('query'), `INSERT INTO analytics.exchanges (${exchangeColumns.join(', ')}) FORMAT JSONCompactEachRow`);
    assert.equal(url.searchParams.get('session_timezone'), 'UTC');
    assert.equal(url.searchParams.get('optimize_on_insert'), '0');
    assert.equal(seen[0]?.body, lines.join('\n'), 'the batch is the request body as it is');
    assert.equal(seen[0]?.auth, `Basic ${Buffer.from('writer:secret').toString('base64')}`);
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
    const insert = clickHouseInsert(store.client, `${store.database}.exchanges`);
    const payload = Buffer.from(serializeRow(toExchangeRow(syntheticRecord(1), { content: 'none', retention_days: 30 })));
    await assert.rejects(insert(payload, 1), (err: unknown) => (err as { code?: string }).code === '27' && !isRetryableInsertError(err));
    await assert.rejects(insert(payload, 1), (err: unknown) => (err as { code?: string }).code === '252' && isRetryableInsertError(err));
  } finally {
    await store.close();
    await new Promise((r) => server.close(r));
  }
});

test('only errors about the data are not retried', () => {
  const cases: { err: unknown; retry: boolean }[] = [
    { err: Object.assign(new Error('Cannot parse input'), { code: '27' }), retry: false },
    { err: Object.assign(new Error('Type mismatch'), { code: '53' }), retry: false },
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

test('embedded insert: the batch goes in as UTF-8 bytes and every row reads back as written', async () => {
  const store = await testDatabase('wp_raw_insert');
  assert.ok(isEmbeddedClient(store.client), 'an embedded client takes the raw insert');
  const insert = clickHouseInsert(store.client, `${store.database}.exchanges`);
  const record = (i: number, content: string) => ({ ...syntheticRecord(i), response: { content, refusal: null, tool_calls: [] } });
  const answers = ['café, naïve, déjà vu', 'Ελληνικά και 日本語', 'emoji 🚀 and a quote " and a backslash \\', 'line\nbreak\ttab'];
  const lines = answers.map((a, i) => serializeRow(toExchangeRow(record(i, a), { content: 'full', retention_days: 30 })));
  await insert(Buffer.from(lines.join('\n')), lines.length);
  const read = await rows<{ record_id: string; response_json: string }>(store, `SELECT record_id, response_json FROM ${store.database}.exchanges ORDER BY record_id`);
  assert.deepEqual(read.map((r) => (JSON.parse(r.response_json) as { content: string }).content), answers);
});

test('embedded insert: a row the engine cannot parse fails the batch with an error that is not retried', async () => {
  const store = await testDatabase('wp_raw_insert_bad');
  const insert = clickHouseInsert(store.client, `${store.database}.exchanges`);
  const good = serializeRow(toExchangeRow(syntheticRecord(1), { content: 'none', retention_days: 30 }));
  const bad = good.replace(/,200,/, ',"two hundred",');
  assert.notEqual(bad, good);
  await assert.rejects(insert(Buffer.from(`${good}\n${bad}`), 2), (err: unknown) => !isRetryableInsertError(err));
});

test('embedded insert: its settings go with each insert, not onto the session', async () => {
  const store = await testDatabase('wp_raw_insert_settings');
  const table = `${store.database}.exchanges`;
  const line = serializeRow(toExchangeRow(syntheticRecord(1), { content: 'none', retention_days: 30 }));
  // The engine reads the settings: one it does not know refuses the insert.
  const unknown = bytesInsert(store.client, table, { format: 'JSONCompactEachRow', columns: exchangeColumns, settings: { warmpath_no_such_setting: 1 } });
  await assert.rejects(unknown(Buffer.from(line)), /warmpath_no_such_setting/);
  await clickHouseInsert(store.client, table)(Buffer.from(line), 1);
  const [session] = await rows<{ value: string }>(store, `SELECT value FROM system.settings WHERE name = 'optimize_on_insert'`);
  assert.equal(session?.value, '1', 'the collector setting stayed on its inserts');
});
