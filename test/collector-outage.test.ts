// ClickHouse away for a while: batches go to the disk spool and come back in order, none
// lost, none doubled (FINAL), including across a restart. The storage is the real
// embedded engine; only its insert is wrapped so that it fails on demand.

import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { legacyJsonRow, syntheticRecord, toExchangeRow, type InsertBatch } from '../collector/index.ts';
import { legacyRowBinary, rows, tempDir, testStore } from './helpers/clickhouse.ts';
import { testCollector, type TestCollector } from './helpers/collector.ts';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });

/** The real insert, failing while `down` is set; `ambiguous` inserts then reports a timeout. */
function flakyStorage() {
  const state = { down: false, ambiguous: false, failures: 0 };
  const wrap = (insert: InsertBatch): InsertBatch => async (payload, n, format) => {
    if (state.down) {
      state.failures += 1;
      throw refused();
    }
    await insert(payload, n, format);
    if (state.ambiguous) {
      state.failures += 1;
      throw Object.assign(new Error('Timeout error.'), { code: 'ETIMEDOUT' });
    }
  };
  return { state, wrap };
}

async function counts(c: TestCollector): Promise<{ final: number; unique: number; raw: number }> {
  const db = c.store.database;
  const [f] = await rows<{ n: string; u: string }>(c.store, `SELECT count() AS n, uniqExact(record_id) AS u FROM ${db}.exchanges FINAL`);
  const [r] = await rows<{ n: string }>(c.store, `SELECT count() AS n FROM ${db}.exchanges`);
  return { final: Number(f?.n), unique: Number(f?.u), raw: Number(r?.n) };
}

async function drained(c: TestCollector): Promise<void> {
  await c.flush();
  const deadline = Date.now() + 10_000;
  while (c.stats().spooledRows > 0 || !c.stats().storageUp) {
    if (Date.now() > deadline) throw new Error(`spool not drained: ${JSON.stringify(c.stats())}`);
    await c.retryNow();
    await new Promise((r) => setTimeout(r, 10));
  }
}

const tick = () => new Promise((r) => setTimeout(r, 5));
const records = (from: number, n: number) => Array.from({ length: n }, (_, i) => syntheticRecord(from + i));

describe('ClickHouse fails for a while, then recovers', () => {
  test('every record sent ends up stored exactly once', async () => {
    const flaky = flakyStorage();
    const c = await testCollector('wp_outage', { wrapInsert: flaky.wrap, batchMaxRows: 100 });
    let sent = 0;
    const send = async (n: number) => {
      for (const r of records(sent, n)) c.sink.write(r);
      sent += n;
      await tick();
    };
    for (let i = 0; i < 5; i += 1) await send(100);
    await c.flush();
    flaky.state.down = true;
    for (let i = 0; i < 10; i += 1) await send(100);
    await c.flush();
    assert.ok(c.stats().spooledRows >= 900, `spooled while down: ${JSON.stringify(c.stats())}`);
    assert.equal(c.stats().storageUp, false);
    assert.ok(readdirSync(c.spoolDir).some((f) => f.endsWith('.rowbinary2')), 'segments on disk');
    flaky.state.down = false;
    for (let i = 0; i < 5; i += 1) await send(100);
    await drained(c);
    assert.ok(flaky.state.failures > 0);
    assert.deepEqual(await counts(c), { final: 2000, unique: 2000, raw: 2000 });
    assert.equal(c.stats().dropped, 0);
    await c.shutdown();
    await c.shutdown();
  });

  test('inserts that landed but reported a timeout are replayed, and collapse under FINAL', async () => {
    const flaky = flakyStorage();
    const c = await testCollector('wp_ambiguous', { wrapInsert: flaky.wrap, batchMaxRows: 100 });
    flaky.state.ambiguous = true;
    for (const r of records(0, 300)) c.sink.write(r);
    await c.flush();
    flaky.state.ambiguous = false;
    await drained(c);
    const got = await counts(c);
    assert.ok(got.raw > 300, `the replay inserted duplicates (${got.raw} rows)`);
    assert.deepEqual({ final: got.final, unique: got.unique }, { final: 300, unique: 300 });
    await c.shutdown();
  });
});

describe('restart with a spool on disk', () => {
  test('a new writer over the same spool folder replays it at start', async () => {
    const flaky = flakyStorage();
    flaky.state.down = true;
    const first = await testCollector('wp_restart', { wrapInsert: flaky.wrap, batchMaxRows: 100 });
    for (const r of records(0, 450)) first.sink.write(r);
    await first.shutdown();
    assert.equal(first.stats().spooledRows, 450, 'what ClickHouse did not take stays on disk');
    const second = await testCollector('wp_restart', { spoolDir: first.spoolDir, batchMaxRows: 100 });
    for (const r of records(450, 50)) second.sink.write(r);
    await drained(second);
    assert.deepEqual(await counts(second), { final: 500, unique: 500, raw: 500 });
    assert.equal(readdirSync(first.spoolDir).filter((f) => f.endsWith('.rowbinary2')).length, 0, 'spool emptied');
    await second.shutdown();
  });

  test('segments spooled by earlier versions (JSON lines, RowBinary before the api column) are replayed in their own layout, in order', async () => {
    const spoolDir = tempDir('spool-legacy');
    const storage = { content: 'none', retention_days: 30 } as const;
    const rowsOf = (from: number, n: number) => records(from, n).map((r) => toExchangeRow(r, storage));
    const legacy = (from: number, n: number) => rowsOf(from, n).map(legacyJsonRow).join('\n');
    writeFileSync(join(spoolDir, '0000000000000001-40.ndjson'), legacy(0, 40));
    writeFileSync(join(spoolDir, '0000000000000002-60.ndjson'), legacy(40, 60));
    writeFileSync(join(spoolDir, '0000000000000003-30.rowbinary'), await legacyRowBinary(await testStore(), rowsOf(100, 30)));
    const c = await testCollector('wp_legacy_spool', { spoolDir, batchMaxRows: 100 });
    assert.equal(c.stats().spooledRows, 130, 'the old segments are indexed');
    for (const r of records(130, 50)) c.sink.write(r);
    await drained(c);
    assert.deepEqual(await counts(c), { final: 180, unique: 180, raw: 180 });
    const byApi = await rows(c.store, `SELECT api, toString(count()) AS n FROM ${c.store.database}.exchanges GROUP BY api ORDER BY api`);
    assert.deepEqual(byApi, [{ api: '', n: '130' }, { api: 'chat_completions', n: '40' }, { api: 'messages', n: '10' }], 'the old rows without an api, the new with theirs');
    assert.deepEqual(readdirSync(spoolDir).filter((f) => /\.(ndjson|rowbinary2?)$/.test(f)), [], 'spool emptied');
    await c.shutdown();
  });
});

describe('rows ClickHouse refuses as invalid', () => {
  test('are isolated by halving the batch: only they are dropped (and kept aside), the rest land', async () => {
    // The real engine refuses the rows: a constraint of the table they break.
    const c = await testCollector('wp_poison', { batchMaxRows: 1000 });
    await c.store.client.command({ query: `ALTER TABLE ${c.store.database}.exchanges ADD CONSTRAINT no_poison CHECK NOT startsWith(record_id, 'poison-')` });
    const batch = records(0, 500).map((r, i) => (i === 123 || i === 400 ? { ...r, record_id: `poison-${i}` } : r));
    for (const r of batch) c.sink.write(r);
    await c.flush();
    assert.deepEqual(await counts(c), { final: 498, unique: 498, raw: 498 });
    assert.equal(c.stats().dropped, 2);
    assert.deepEqual(readdirSync(join(c.spoolDir, 'rejected')).map((f) => f.replace(/^\d+/, 'N')), ['N-1.rowbinary2', 'N-1.rowbinary2'], 'each refused row kept aside');
    assert.equal(c.stats().storageUp, true);
    await c.shutdown();
  });

  test('are isolated the same way in a batch replayed from the spool', async () => {
    const flaky = flakyStorage();
    flaky.state.down = true;
    const c = await testCollector('wp_poison_replay', { wrapInsert: flaky.wrap, batchMaxRows: 1000 });
    await c.store.client.command({ query: `ALTER TABLE ${c.store.database}.exchanges ADD CONSTRAINT no_poison CHECK NOT startsWith(record_id, 'poison-')` });
    for (const r of records(0, 300).map((r, i) => (i === 7 ? { ...r, record_id: `poison-${i}` } : r))) c.sink.write(r);
    await c.flush();
    assert.equal(c.stats().spooledRows, 300);
    flaky.state.down = false;
    await drained(c);
    assert.deepEqual(await counts(c), { final: 299, unique: 299, raw: 299 });
    assert.equal(c.stats().dropped, 1);
    await c.shutdown();
  });
});

describe('bounds', () => {
  test('spool full: batches dropped and counted, an error logged once per episode', async () => {
    const flaky = flakyStorage();
    flaky.state.down = true;
    const errors: string[] = [];
    const logger = { info: () => {}, warn: () => {}, error: (_o: object, msg: string) => void errors.push(msg) };
    const c = await testCollector('wp_spool_full', { wrapInsert: flaky.wrap, batchMaxRows: 50, spoolMaxBytes: 150 * 1024, logger });
    for (let i = 0; i < 10; i += 1) {
      for (const r of records(i * 50, 50)) c.sink.write(r);
      await c.flush();
    }
    const stats = c.stats();
    assert.ok(stats.spooledRows > 0 && stats.spooledRows < 500, JSON.stringify(stats));
    assert.ok(stats.spoolBytes <= 150 * 1024);
    assert.equal(stats.dropped, 500 - stats.spooledRows);
    assert.equal(errors.filter((m) => /spool full/.test(m)).length, 1);
    flaky.state.down = false;
    await drained(c);
    assert.equal((await counts(c)).final, stats.spooledRows, 'what was spooled still lands');
    await c.shutdown();
  });

  test('queue full: records dropped and counted, the rest stored', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const errors: string[] = [];
    const logger = { info: () => {}, warn: () => {}, error: (_o: object, msg: string) => void errors.push(msg) };
    const c = await testCollector('wp_queue_full', {
      wrapInsert: (insert) => async (payload, n, format) => {
        await gate;
        await insert(payload, n, format);
      },
      batchMaxRows: 50,
      queueMaxRows: 100,
      logger,
    });
    for (const r of records(0, 300)) c.sink.write(r);
    await tick();
    assert.equal(c.stats().dropped, 150, 'one batch in flight, a full queue, the rest dropped');
    assert.equal(errors.filter((m) => /queue full/.test(m)).length, 1);
    release();
    await c.flush();
    assert.equal((await counts(c)).final, 150);
    await c.shutdown();
  });
});
