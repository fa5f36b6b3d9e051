// A user's `exchanges` table altered by hand: the collector writes binary rows that name no
// column, so `warmpath collector` refuses to start, naming what differs, instead of
// writing rows ClickHouse would refuse or misread.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { openClickHouse } from '../core/index.ts';
import { tempDir } from './helpers/clickhouse.ts';
import { route } from './helpers/warmpath.ts';

const cli = new URL('../bin/warmpath.ts', import.meta.url).pathname;
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 20_000 });

test('collector on a table whose column types were altered: exit 1 with STO_SCHEMA_MISMATCH naming the column', async () => {
  const dir = tempDir('cli-schema');
  const file = join(dir, 'warmpath.yaml');
  writeFileSync(
    file,
    stringify({
      server: { listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0' },
      telemetry: { log_level: 'silent' },
      providers: { sim: { kind: 'simulated' } },
      routes: { a: route('sim', 'm') },
      workloads: { support: { primary: 'a' } },
    }),
  );
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
