// The ExchangeSink the router writes to in-process (and the ingest route feeds): turns a
// record into its row with the workload's content mode and retention and queues it (the
// writer encodes it once, as RowBinary). Never blocks, never throws.
//
// The router's records wait for the end of the event-loop turn and are converted there
// together, not one by one as each answer goes out. Back to back, the conversion's code
// and data (redaction, canonical JSON, sha256, RowBinary) stay in the core's caches, and
// the request path between two conversions keeps its own: at full load a turn carries
// ~18 records, and the router's main thread took 12% less CPU per request
// (BENCHMARKS.md, twenty-eighth look).

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
  /** Like write, for a source other than the in-process router, at once; false when dropped. */
  take(record: ExchangeRecord, source: RecordSource): boolean;
  /** Converts and queues the records `write` holds until the end of this event-loop turn. */
  drain(): void;
}

/** A synchronous burst of writes (a bulk load) is converted in batches of this many. */
const maxWaiting = 512;

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
  let waiting: ExchangeRecord[] = [];
  const drain = (): void => {
    if (waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    for (const record of batch) take(record, 'router');
  };
  return {
    write: (record) => {
      waiting.push(record);
      if (waiting.length === 1) setImmediate(drain);
      else if (waiting.length >= maxWaiting) drain();
    },
    take,
    drain,
  };
}
