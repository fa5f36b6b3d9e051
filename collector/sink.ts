// The ExchangeSink the router writes to in-process (and the ingest route feeds): turns a
// record into its row with the workload's content mode and retention and queues it (the
// writer encodes it once, as RowBinary). Never blocks, never throws.

import type { ExchangeRecord, ExchangeSink, WorkloadStorage } from '../schemas/index.ts';
import type { BatchWriter, WriterLogger } from './batch-writer.ts';
import type { CollectorMetrics, RecordSource } from './metrics.ts';
import { toExchangeRow } from './row.ts';

export interface CollectorSinkOptions {
  readonly writer: BatchWriter;
  /** The workload's storage settings; unknown workloads get the configured defaults. */
  readonly storageFor: (workload: string) => WorkloadStorage;
  readonly metrics: CollectorMetrics;
  readonly logger: WriterLogger;
}

export interface CollectorSink extends ExchangeSink {
  /** Like write, for a source other than the in-process router; false when dropped. */
  take(record: ExchangeRecord, source: RecordSource): boolean;
}

export function createCollectorSink(options: CollectorSinkOptions): CollectorSink {
  let unconvertible = 0;
  const take = (record: ExchangeRecord, source: RecordSource): boolean => {
    let queued: boolean;
    try {
      queued = options.writer.enqueue(toExchangeRow(record, options.storageFor(record.workload)));
    } catch (err) {
      // Only a record that breaks its own type gets here (an invalid ts, a status that is
      // not a UInt16…): it is dropped alone, before it could fail a whole batch.
      if (unconvertible === 0) options.logger.error({ err, record_id: record.record_id }, 'exchange record cannot be stored: dropped');
      unconvertible += 1;
      options.metrics.dropped(1, 'invalid_record');
      return false;
    }
    if (!queued) return false;
    options.metrics.accepted(1, source);
    return true;
  };
  return {
    write: (record) => void take(record, 'router'),
    take,
  };
}
