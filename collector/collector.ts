// The collector as one unit: spool + batching writer + in-process sink + ingest route,
// over a ClickHouse client whose migrations have run. `warmpath start` and
// `warmpath collector` build it the same way (bin/serve.ts).

import type { ClickHouseClient } from '@clickhouse/client';
import type { Meter } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../core/clock.ts';
import type { SpendSource, WorkloadConfig, WorkloadStorage } from '../schemas/index.ts';
import { BatchWriter, type InsertBatch, type WriterLogger, type WriterStats } from './batch-writer.ts';
import { registerIngestRoute } from './ingest.ts';
import { checkExchangeTable, clickHouseInsert } from './insert.ts';
import { createCollectorMetrics, noopCollectorMetrics } from './metrics.ts';
import { createCollectorSink, type CollectorSink } from './sink.ts';
import { registerSpendRoute, storedSpendSource } from './spend.ts';
import { Spool } from './spool.ts';

export interface CollectorOptions {
  readonly client: ClickHouseClient;
  readonly database: string;
  /** Absolute spool folder. */
  readonly spoolDir: string;
  readonly spoolMaxBytes: number;
  readonly batchMaxRows: number;
  readonly batchMaxDelayMs: number;
  readonly queueMaxRows: number;
  readonly workloads: Readonly<Record<string, WorkloadConfig>>;
  /** Storage settings for records whose workload is not configured (ingest from other gateways). */
  readonly defaultStorage: WorkloadStorage;
  readonly logger: WriterLogger;
  readonly meter?: Meter;
  readonly clock?: Clock;
  /** Wraps the real insert, e.g. to make ClickHouse fail for a while in a test. */
  readonly wrapInsert?: (insert: InsertBatch) => InsertBatch;
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
}

export interface Collector {
  readonly sink: CollectorSink;
  /** Mounts POST /v1/exchanges and GET /v1/shadow-spend on an admin app. */
  mountRoutes(app: FastifyInstance): Promise<void>;
  /** The day's shadow and twin spend as stored (routers hold their budgets against it). */
  readonly storedSpend: SpendSource;
  stats(): WriterStats;
  flush(): Promise<void>;
  /** Retries the spool now, not at the next backoff step. */
  retryNow(): Promise<void>;
  shutdown(): Promise<void>;
}

export const exchangesTable = 'exchanges';

export async function startCollector(options: CollectorOptions): Promise<Collector> {
  await checkExchangeTable(options.client, options.database, exchangesTable);
  const spool = await Spool.open(options.spoolDir, options.spoolMaxBytes);
  let writer: BatchWriter | undefined;
  const gauges = { queuedRows: () => writer?.stats().queued ?? 0, spoolBytes: () => spool.bytes };
  const metrics = options.meter === undefined ? noopCollectorMetrics : createCollectorMetrics(options.meter, gauges);
  const insert = clickHouseInsert(options.client, `${options.database}.${exchangesTable}`, options.spoolDir);
  writer = new BatchWriter({
    insert: options.wrapInsert === undefined ? insert : options.wrapInsert(insert),
    spool,
    maxQueueRows: options.queueMaxRows,
    maxBatchRows: options.batchMaxRows,
    maxDelayMs: options.batchMaxDelayMs,
    metrics,
    logger: options.logger,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.retryInitialMs === undefined ? {} : { retryInitialMs: options.retryInitialMs }),
    ...(options.retryMaxMs === undefined ? {} : { retryMaxMs: options.retryMaxMs }),
  });
  const w = writer;
  const storedSpend = storedSpendSource(options.client, `${options.database}.${exchangesTable}`);
  const sink = createCollectorSink({
    writer: w,
    storageFor: (workload) => options.workloads[workload]?.storage ?? options.defaultStorage,
    metrics,
    logger: options.logger,
  });
  return {
    sink,
    mountRoutes: async (app) => {
      await registerIngestRoute(app, { sink, freeCapacity: () => w.freeCapacity(), metrics });
      registerSpendRoute(app, storedSpend);
    },
    storedSpend,
    stats: () => w.stats(),
    flush: () => {
      sink.drain();
      return w.flush();
    },
    retryNow: () => w.retryNow(),
    shutdown: () => {
      sink.drain();
      return w.shutdown();
    },
  };
}
