// The batching writer's contract: what it inserts with, what it reports to.

import type { Clock } from '../core/clock.ts';
import type { CollectorMetrics } from './metrics.ts';
import type { Spool } from './spool.ts';

/**
 * How a batch's rows are encoded: RowBinary (row-binary.ts) in exchangeColumns order for
 * every batch the writer builds. The other two only in spool segments earlier versions
 * left, in legacyExchangeColumns order: RowBinary from before the `api` column, and
 * JSONCompactEachRow lines from before RowBinary.
 */
export type BatchFormat = 'RowBinary' | 'LegacyRowBinary' | 'JSONCompactEachRow';

/**
 * Inserts one batch of encoded rows. The payload may be a view of a Buffer the writer
 * reuses: done with it when the promise settles.
 */
export type InsertBatch = (payload: Buffer, rows: number, format: BatchFormat) => Promise<void>;

export interface WriterLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface BatchWriterOptions {
  readonly insert: InsertBatch;
  readonly spool: Spool;
  readonly maxQueueRows: number;
  readonly maxBatchRows: number;
  readonly maxDelayMs: number;
  readonly metrics: CollectorMetrics;
  readonly logger: WriterLogger;
  readonly clock?: Clock;
  /** First retry delay while ClickHouse is away; doubles up to retryMaxMs. */
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
}

export interface WriterStats {
  readonly queued: number;
  readonly inserted: number;
  readonly spooledRows: number;
  readonly spoolBytes: number;
  readonly dropped: number;
  readonly storageUp: boolean;
}
