// A user's `exchanges` table altered by hand: the collector writes binary rows that name no
// column, so `warmpath collector` refuses to start, naming what differs, instead of
// writing rows ClickHouse would refuse or misread.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openClickHouse } from '../core/index.ts';
import { runCli as run, writeCliConfig } from './helpers/cli.ts';

test('collector on a table whose column types were altered: exit 1 with STO_SCHEMA_MISMATCH naming the column', async () => {
  const { file, dir } = writeCliConfig();
  const migrated = run(['migrate', '--config', file]);
  assert.equal(migrated.status, 0, migrated.stderr);
  const store = await openClickHouse({ clickhouse: `embedded:${join(dir, 'data')}`, database: 'warmpath', cluster: undefined, spool_dir: '', spool_max_mb: 1, batch_max_rows: 1, batch_max_delay_ms: 1, queue_max_rows: 1 });
  try {
    await store.client.command({ query: 'ALTER TABLE warmpath.exchanges MODIFY COLUMN latency_ms Float32' });
  } finally {
    await store.close();
  }
  const started = run(['collector', '--config', file]);
  assert.equal(started.status, 1, started.stdout);
  assert.match(started.stderr, /^warmpath: cannot start: ClickHouse table does not have the columns warmpath writes: warmpath\.exchanges: latency_ms is Float32 \(want Float64\)\n$/);
});
