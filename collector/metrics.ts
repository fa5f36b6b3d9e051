// warmpath_collector_* instruments (README "Metrics"). The writer, the ingest route and
// the remote sink report through this interface; tests pass noopCollectorMetrics.

import type { Meter } from '@opentelemetry/api';
import { createSummedCounter } from '../core/summed-counter.ts';

export type RecordSource = 'router' | 'ingest';

export interface CollectorMetrics {
  accepted(rows: number, source: RecordSource): void;
  rejected(rows: number): void;
  dropped(rows: number, reason: string): void;
  inserted(rows: number, ms: number): void;
  insertFailed(ms: number): void;
  spooled(rows: number): void;
  replayed(rows: number): void;
  sent(rows: number): void;
}

export const noopCollectorMetrics: CollectorMetrics = {
  accepted: () => {},
  rejected: () => {},
  dropped: () => {},
  inserted: () => {},
  insertFailed: () => {},
  spooled: () => {},
  replayed: () => {},
  sent: () => {},
};

export interface CollectorGauges {
  /** Rows waiting in memory. */
  queuedRows(): number;
  /** Bytes in the disk spool (waiting and rejected batches). */
  spoolBytes(): number;
}

const sourceAttributes: Readonly<Record<RecordSource, { readonly source: RecordSource }>> = { router: { source: 'router' }, ingest: { source: 'ingest' } };

export function createCollectorMetrics(meter: Meter, gauges?: CollectorGauges): CollectorMetrics {
  // Counted for every record the router writes: summed here (core/summed-counter.ts).
  const accepted = createSummedCounter(meter, 'warmpath_collector_records_accepted', { description: 'exchange records taken in, by source (router, ingest)' });
  const rejected = meter.createCounter('warmpath_collector_records_rejected', { description: 'ingest lines refused as invalid' });
  const dropped = meter.createCounter('warmpath_collector_records_dropped', { description: 'records lost, by reason (queue_full, spool_full, rejected_by_storage, shut_down, remote_*)' });
  const inserted = meter.createCounter('warmpath_collector_records_inserted', { description: 'rows inserted into ClickHouse (replays included)' });
  const spooled = meter.createCounter('warmpath_collector_records_spooled', { description: 'rows written to the disk spool while ClickHouse was away' });
  const replayed = meter.createCounter('warmpath_collector_records_replayed', { description: 'spooled rows inserted later' });
  const sent = meter.createCounter('warmpath_collector_records_sent', { description: 'records a router sent to a remote collector' });
  const insertDuration = meter.createHistogram('warmpath_collector_insert_duration_seconds', {
    description: 'one ClickHouse insert, by outcome (ok, error)',
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] },
  });
  if (gauges !== undefined) {
    meter.createObservableGauge('warmpath_collector_queue_rows', { description: 'rows waiting in memory for the next batch' }).addCallback((r) => r.observe(gauges.queuedRows()));
    meter.createObservableGauge('warmpath_collector_spool_bytes', { description: 'bytes in the disk spool' }).addCallback((r) => r.observe(gauges.spoolBytes()));
  }
  return {
    accepted: (rows, source) => accepted.add(source, sourceAttributes[source], rows),
    rejected: (rows) => rejected.add(rows),
    dropped: (rows, reason) => dropped.add(rows, { reason }),
    inserted: (rows, ms) => {
      inserted.add(rows);
      insertDuration.record(ms / 1000, { outcome: 'ok' });
    },
    insertFailed: (ms) => insertDuration.record(ms / 1000, { outcome: 'error' }),
    spooled: (rows) => spooled.add(rows),
    replayed: (rows) => replayed.add(rows),
    sent: (rows) => sent.add(rows),
  };
}
