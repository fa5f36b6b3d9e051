// The storage verbs as a user runs them: `warmpath migrate`, `warmpath collector` (flushes
// on SIGTERM), and `warmpath router` refusing to start without a collector URL.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openClickHouse } from '../core/index.ts';
import { syntheticRecord } from '../collector/index.ts';
import { rows } from './helpers/clickhouse.ts';
import { runCli as run, startServing, stopServing, writeCliConfig as writeConfig } from './helpers/cli.ts';

test('--help lists the storage verbs', () => {
  const r = run(['--help']);
  for (const verb of ['collector', 'migrate']) assert.match(r.stdout, new RegExp(`\\n  ${verb} `));
});

test('migrate applies the migrations once (relative embedded path: beside the config file)', () => {
  const { file } = writeConfig();
  const first = run(['migrate', '--config', file]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /^ClickHouse embedded:\/.*\/data\n/);
  assert.match(first.stdout, /applied\s+001_exchanges/);
  const second = run(['migrate', '--config', file]);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /already applied\s+001_exchanges/);
  assert.match(second.stdout, /nothing to apply/);
});

test('router without server.collector_url: exit 1 naming the key', () => {
  const { file } = writeConfig();
  const r = run(['router', '--config', file]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\/server\/collector_url is required/);
});

test('collector: takes NDJSON on the admin listener and flushes it to ClickHouse on SIGTERM', async () => {
  const { file, dir } = writeConfig({ storage: { batch_max_delay_ms: 60_000 } });
  const { child, match } = await startServing(['collector', '--config', file], /ingest\s+POST (http:\/\/[\d.:]+)\/v1\/exchanges/);
  try {
    const adminUrl = match[1] as string;
    const body = [syntheticRecord(1), syntheticRecord(2)].map((r) => JSON.stringify(r)).join('\n');
    const answer = await fetch(`${adminUrl}/v1/exchanges`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    assert.deepEqual(await answer.json(), { accepted: 2, rejected: 0, errors: [] });
    assert.equal(await stopServing(child), 0);
  } finally {
    child.kill('SIGKILL');
  }
  const store = await openClickHouse({ clickhouse: `embedded:${join(dir, 'data')}`, database: 'warmpath', cluster: undefined, spool_dir: '', spool_max_mb: 1, batch_max_rows: 1, batch_max_delay_ms: 1, queue_max_rows: 1 });
  try {
    const got = await rows<{ n: string }>(store, 'SELECT count() AS n FROM warmpath.exchanges');
    assert.equal(Number(got[0]?.n), 2, 'the batch waiting for its delay was flushed at shutdown');
  } finally {
    await store.close();
  }
});
