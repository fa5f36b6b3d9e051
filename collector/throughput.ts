// Collector throughput, end to end: synthetic exchange records → in-process sink (row
// conversion per content mode, serialisation) → batching writer → embedded ClickHouse,
// timed until `count()` shows every row. For `npm run bench`; the embedded engine binds
// one data folder per process, so run it in a process of its own:
//
//   node collector/throughput.ts --records 200000 [--content redacted] [--warmup-records N] [--data-dir DIR]
//
// prints one JSON line: { records, seconds, records_per_second, content, batch_rows, warmup_records }.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openClickHouse } from '../core/clickhouse.ts';
import { migrate } from '../core/migrate.ts';
import type { ContentMode, ExchangeRecord } from '../schemas/index.ts';
import { startCollector, exchangesTable } from './collector.ts';
import { syntheticRecord } from './synthetic.ts';

export interface ThroughputOptions {
  readonly records: number;
  /** Empty folder for the embedded engine; a temporary one (removed after) by default. */
  readonly dataDir?: string;
  readonly content?: ContentMode;
  readonly batchRows?: number;
  readonly queueRows?: number;
  /**
   * Records written and stored before the clock starts, and not counted: the encoder's
   * code optimised, the table's first part written (one batch by default, as every other
   * benchmark figure is measured after a discarded warm-up).
   */
  readonly warmupRecords?: number;
}

export interface ThroughputResult {
  readonly records: number;
  readonly seconds: number;
  readonly records_per_second: number;
  readonly content: ContentMode;
  readonly batch_rows: number;
  readonly warmup_records: number;
}

const quietLogger = { info: () => {}, warn: () => {}, error: () => {} };

export async function measureCollectorThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const content = options.content ?? 'redacted';
  const batchRows = options.batchRows ?? 10_000;
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'warmpath-throughput-'));
  const store = await openClickHouse({
    clickhouse: `embedded:${join(dataDir, 'clickhouse')}`,
    database: 'warmpath',
    cluster: undefined,
    spool_dir: join(dataDir, 'spool'),
    spool_max_mb: 512,
    batch_max_rows: batchRows,
    batch_max_delay_ms: 50,
    queue_max_rows: options.queueRows ?? 200_000,
  });
  try {
    await migrate(store.client, { database: store.database, cluster: undefined });
    const collector = await startCollector({
      client: store.client,
      database: store.database,
      spoolDir: join(dataDir, 'spool'),
      spoolMaxBytes: 512 * 1024 * 1024,
      batchMaxRows: batchRows,
      batchMaxDelayMs: 50,
      queueMaxRows: options.queueRows ?? 200_000,
      workloads: {},
      defaultStorage: { content, retention_days: 30 },
      logger: quietLogger,
    });
    const warmup = options.warmupRecords ?? batchRows;
    const stored = async (rows: number): Promise<void> => {
      for (;;) {
        const result = await store.client.query({ query: `SELECT count() AS n FROM ${store.database}.${exchangesTable}`, format: 'JSONEachRow' });
        const [row] = await result.json<{ n: string | number }>();
        if (Number(row?.n) >= rows) return;
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    // Records are made before the clock starts: producing them is the router's work.
    const now = Date.now();
    const make = (from: number, count: number) => Array.from({ length: count }, (_, i) => syntheticRecord(from + i, { nowMs: now }));
    const writeAll = async (records: readonly ExchangeRecord[]): Promise<void> => {
      const chunk = 1000;
      for (let i = 0; i < records.length; i += chunk) {
        // Like a router under load: records arrive while batches are being inserted.
        while (collector.stats().queued + chunk > (options.queueRows ?? 200_000)) await new Promise((r) => setTimeout(r, 1));
        const end = Math.min(records.length, i + chunk);
        for (let j = i; j < end; j += 1) collector.sink.write(records[j]!);
        await new Promise((r) => setImmediate(r));
      }
      await collector.flush();
    };
    if (warmup > 0) {
      await writeAll(make(options.records, warmup));
      await stored(warmup);
    }
    const records = make(0, options.records);
    const started = performance.now();
    await writeAll(records);
    await stored(warmup + options.records);
    const seconds = (performance.now() - started) / 1000;
    const stats = collector.stats();
    await collector.shutdown();
    if (stats.dropped > 0) throw new Error(`${stats.dropped} records dropped during the measurement`);
    return { records: options.records, seconds, records_per_second: Math.round(options.records / seconds), content, batch_rows: batchRows, warmup_records: warmup };
  } finally {
    await store.close();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '200000' },
      content: { type: 'string', default: 'redacted' },
      'batch-rows': { type: 'string', default: '10000' },
      'warmup-records': { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const result = await measureCollectorThroughput({
    records: Number(values.records),
    content: values.content as ContentMode,
    batchRows: Number(values['batch-rows']),
    ...(values['warmup-records'] === undefined ? {} : { warmupRecords: Number(values['warmup-records']) }),
    ...(values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] }),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
