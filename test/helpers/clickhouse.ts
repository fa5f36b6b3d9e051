// The embedded ClickHouse for tests: chDB binds one data folder per process and node:test
// runs each test file in its own process, so each file gets one temporary folder and one
// shared store; tests isolate themselves by database name. A test needing the engine
// fails, never skips, when it is missing.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { legacyExchangeColumns, legacyJsonRow, type ExchangeRow } from '../../collector/row.ts';
import { structureOf } from '../../collector/row-binary.ts';
import { migrate, openClickHouse, sqlString, type ClickHouseStore } from '../../core/index.ts';
import type { StorageConfig } from '../../schemas/index.ts';

let shared: Promise<ClickHouseStore> | undefined;

// Registered when a test file imports this helper: a root hook, after all its tests.
after(async () => {
  if (shared !== undefined) await (await shared).close();
});

const made: string[] = [];
// Removed when the test file's process exits (node:test runs each file in its own), by
// which time every engine and child process that used them has stopped.
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A folder of its own under the OS temp dir, removed when this process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `warmpath-${prefix}-`));
  made.push(dir);
  return dir;
}

export function embeddedStorage(dataDir: string, extra: Partial<StorageConfig> = {}): StorageConfig {
  return {
    clickhouse: `embedded:${join(dataDir, 'clickhouse')}`,
    database: 'warmpath',
    cluster: undefined,
    spool_dir: join(dataDir, 'spool'),
    spool_max_mb: 64,
    batch_max_rows: 1000,
    batch_max_delay_ms: 20,
    queue_max_rows: 10_000,
    ...extra,
  };
}

/** This file's embedded store (opened once, closed after the file's tests). */
export function testStore(): Promise<ClickHouseStore> {
  if (shared === undefined) {
    const dir = tempDir('chdb');
    shared = openClickHouse(embeddedStorage(dir));
  }
  return shared;
}

/** A fresh database in this file's store, with the migrations applied. */
export async function testDatabase(name: string): Promise<ClickHouseStore> {
  const store = await testStore();
  await migrate(store.client, { database: name, cluster: undefined });
  return { ...store, database: name };
}

export async function rows<T = Record<string, unknown>>(store: ClickHouseStore, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const result = await store.client.query({ query, format: 'JSONEachRow', query_params: params });
  return result.json<T>();
}

/** Polls until `query`'s single `n` reaches `want` (inserts are asynchronous to writes). */
export async function waitForCount(store: ClickHouseStore, query: string, want: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await rows<{ n: string | number }>(store, query);
    const n = Number(row?.n ?? 0);
    if (n >= want || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Rows in the RowBinary layout of the versions before the `api` column (what their spool
 * segments hold), as the engine itself writes it: not by the encoder under test.
 */
export async function legacyRowBinary(store: ClickHouseStore, exchangeRows: readonly ExchangeRow[]): Promise<Buffer> {
  const file = join(tempDir('legacy-rows'), 'rows.rowbinary');
  const structure = sqlString(structureOf(legacyExchangeColumns));
  const lines = sqlString(exchangeRows.map(legacyJsonRow).join('\n'));
  await store.client.command({ query: `INSERT INTO FUNCTION file(${sqlString(file)}, 'RowBinary', ${structure}) SELECT * FROM format(JSONCompactEachRow, ${structure}, ${lines})` });
  return readFileSync(file);
}
