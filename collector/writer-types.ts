// The batching writer's contract: what it inserts with, what it reports to.

import type { Clock } from '../core/clock.ts';
import type { CollectorMetrics } from './metrics.ts';
import type { Spool } from './spool.ts';

/**
 * Inserts one batch of pre-serialised rows: UTF-8, one per line, no trailing newline. The
 * payload may be a view of a Buffer the writer reuses: done with it when the promise settles.
 */
export type InsertBatch = (payload: Buffer, rows: number) => Promise<void>;

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
