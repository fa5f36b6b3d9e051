import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openClickHouse } from '../core/index.ts';
import { embeddedStorage, tempDir } from '../test/helpers/clickhouse.ts';
import { exchangesTable } from './collector.ts';
import { measureCollectorThroughput } from './throughput.ts';

test('collector throughput: the warm-up batch is stored as well, and the rate counts only the measured records', async () => {
  const dataDir = tempDir('throughput');
  const result = await measureCollectorThroughput({ records: 3000, batchRows: 1000, warmupRecords: 1000, dataDir });
  assert.equal(result.records, 3000);
  assert.equal(result.warmup_records, 1000);
  assert.equal(result.batch_rows, 1000);
  assert.ok(result.seconds > 0);
  assert.equal(result.records_per_second, Math.round(3000 / result.seconds));

  // Every record reached the table, the warm-up's under ids of their own.
  const store = await openClickHouse(embeddedStorage(dataDir));
  try {
    const rows = await (await store.client.query({ query: `SELECT count() AS n, uniqExact(record_id) AS ids FROM warmpath.${exchangesTable}`, format: 'JSONEachRow' })).json<{ n: string; ids: string }>();
    assert.deepEqual(rows.map((r) => [Number(r.n), Number(r.ids)]), [[4000, 4000]]);
  } finally {
    await store.close();
  }
});
