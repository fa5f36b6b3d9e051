// The ExchangeSink the router writes to in-process (and the ingest route feeds): takes a
// record into the batching writer's care (or drops and counts it when the queue is full),
// then hands it to the row converter, which turns it into its row with the workload's
// content mode and retention off the event loop. Never blocks, never throws.

import type { ExchangeRecord, ExchangeSink } from '../schemas/index.ts';
import type { BatchWriter } from './batch-writer.ts';
import type { CollectorMetrics, RecordSource } from './metrics.ts';
import type { RowConverter } from './row-converter.ts';

export interface CollectorSinkOptions {
  readonly writer: BatchWriter;
  readonly converter: RowConverter;
  readonly metrics: CollectorMetrics;
}

export interface CollectorSink extends ExchangeSink {
  /** Like write, for a source other than the in-process router; false when dropped. */
  take(record: ExchangeRecord, source: RecordSource): boolean;
}

export function createCollectorSink(options: CollectorSinkOptions): CollectorSink {
  const take = (record: ExchangeRecord, source: RecordSource): boolean => {
    if (!options.writer.reserve()) return false;
    options.metrics.accepted(1, source);
    options.converter.add(record);
    return true;
  };
  return {
    write: (record) => void take(record, 'router'),
    take,
  };
}
