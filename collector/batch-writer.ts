// The batching writer, after opentelemetry-js's BatchSpanProcessorBase: a bounded queue
// (storage.queue_max_rows), batches of at most storage.batch_max_rows sent when full or
// storage.batch_max_delay_ms after their first row, drops counted and logged once per
// episode, flush(), shutdown() safe to call twice. Added: the disk spool.
//
// Rows are encoded as RowBinary when they are queued, straight into the Buffer of the
// batch they will go in (row-binary.ts): no string per row is kept, and a batch is sent
// as the bytes it was built in. Buffers are reused batch after batch.
//
// One batch is in flight at a time. When an insert fails for a reason that can pass
// (ClickHouse down, timeout, too many parts…) the batch goes to the spool and the writer
// switches to spooling: later batches are appended behind it (order is kept) and the
// oldest segment is retried with backoff until an insert succeeds; then the spool drains
// in order and the writer goes back to inserting directly. Rows ClickHouse refuses as
// invalid data are isolated by halving the batch, kept aside under spool_dir/rejected/
// and counted dropped, never retried forever. Rows replayed twice collapse in the
// ReplacingMergeTree (same sorting key).

import { systemClock, type Clock } from '../core/clock.ts';
import { splitRows } from './batch-encoder.ts';
import { isRetryableInsertError } from './insert.ts';
import { RowBinaryBatch, splitRowBinary } from './row-binary.ts';
import type { ExchangeRow } from './row.ts';
import type { BatchFormat, BatchWriterOptions, InsertBatch, WriterLogger, WriterStats } from './writer-types.ts';

export type { BatchFormat, BatchWriterOptions, InsertBatch, WriterLogger, WriterStats };

/** A batch Buffer grown larger than this by unusually large rows is let go once sent. */
const keepBufferAtMost = 64 << 20;

export class BatchWriter {
  readonly #o: BatchWriterOptions;
  readonly #clock: Clock;
  /** Where rows go as they come; cut when it holds maxBatchRows or when the delay is up. */
  #open = new RowBinaryBatch();
  /** Full batches waiting behind the one in flight (only while an insert is slow or ClickHouse is away). */
  #full: RowBinaryBatch[] = [];
  #spare: RowBinaryBatch | undefined;
  #queueSince = 0;
  #enqueued = 0;
  #handled = 0;
  #inserted = 0;
  #dropped = 0;
  #droppingQueueFull = 0;
  #droppingSpoolFull = 0;
  #storageUp = true;
  #retryMs: number;
  #retryTimer: NodeJS.Timeout | undefined;
  #delayTimer: NodeJS.Timeout | undefined;
  #flushWaiters: { target: number; resolve: () => void }[] = [];
  #forceUntil = 0;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #shutdown: Promise<void> | undefined;

  constructor(options: BatchWriterOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#retryMs = options.retryInitialMs ?? 500;
    // What an earlier run spooled is replayed first.
    if (options.spool.segmentCount > 0) {
      this.#storageUp = false;
      options.logger.info({ segments: options.spool.segmentCount, rows: options.spool.rows }, 'replaying the collector spool');
      this.#kick();
    }
  }

  /**
   * Queues one row: false when it was dropped (queue full, shut down). Throws a RangeError
   * naming the column, with nothing queued, when a value does not fit its column.
   */
  enqueue(row: ExchangeRow): boolean {
    if (this.#stopped) {
      this.#drop(1, 'shut_down');
      return false;
    }
    const queued = this.#queuedRows();
    if (queued >= this.#o.maxQueueRows) {
      if (this.#droppingQueueFull === 0) {
        this.#o.logger.error({ code: 'COL_QUEUE_FULL', max_queue_rows: this.#o.maxQueueRows }, 'collector queue full: dropping records until it drains (see warmpath_collector_records_dropped_total)');
      }
      this.#droppingQueueFull += 1;
      this.#drop(1, 'queue_full');
      return false;
    }
    if (this.#droppingQueueFull > 0) {
      this.#o.logger.warn({ dropped: this.#droppingQueueFull }, 'collector queue accepting again');
      this.#droppingQueueFull = 0;
    }
    this.#open.append(row);
    if (queued === 0) this.#queueSince = this.#clock.monotonic();
    this.#enqueued += 1;
    if (this.#open.rows >= this.#o.maxBatchRows) {
      this.#full.push(this.#open);
      this.#open = this.#freshBatch();
      this.#kick();
    } else this.#delayTimer ??= unref(setTimeout(() => this.#onDelay(), this.#o.maxDelayMs));
    return true;
  }

  /** Rows the queue can still take. */
  freeCapacity(): number {
    return this.#stopped ? 0 : this.#o.maxQueueRows - this.#queuedRows();
  }

  /** Resolves once every row queued before the call is inserted, spooled or dropped. */
  flush(): Promise<void> {
    const target = this.#enqueued;
    if (this.#handled >= target) return Promise.resolve();
    this.#forceUntil = Math.max(this.#forceUntil, target);
    return new Promise((resolve) => {
      this.#flushWaiters.push({ target, resolve });
      this.#kick();
    });
  }

  /** Tries the spool now instead of waiting for the backoff; resolves when the attempt is over. */
  async retryNow(): Promise<void> {
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#kick();
    while (this.#running !== undefined) await this.#running;
  }

  stats(): WriterStats {
    return {
      queued: this.#queuedRows(),
      inserted: this.#inserted,
      spooledRows: this.#o.spool.rows,
      spoolBytes: this.#o.spool.bytes,
      dropped: this.#dropped,
      storageUp: this.#storageUp,
    };
  }

  /** Flushes, stops the timers and refuses further rows. What ClickHouse did not take stays spooled. */
  shutdown(): Promise<void> {
    return (this.#shutdown ??= (async () => {
      await this.flush();
      this.#stopped = true;
      if (this.#delayTimer !== undefined) clearTimeout(this.#delayTimer);
      if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
      while (this.#running !== undefined) await this.#running;
    })());
  }

  #onDelay(): void {
    this.#delayTimer = undefined;
    this.#kick();
  }

  #kick(): void {
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.#work().then(
      () => this.#afterWork(),
      (err: unknown) => {
        this.#o.logger.error({ err }, 'collector writer failed unexpectedly');
        this.#afterWork();
      },
    );
  }

  #afterWork(): void {
    this.#running = undefined;
    if (this.#again) {
      this.#again = false;
      this.#kick();
      return;
    }
    if (this.#queuedRows() > 0 && this.#delayTimer === undefined && !this.#stopped) {
      const wait = Math.max(0, this.#o.maxDelayMs - (this.#clock.monotonic() - this.#queueSince));
      this.#delayTimer = unref(setTimeout(() => this.#onDelay(), wait));
    }
  }

  async #work(): Promise<void> {
    if (this.#o.spool.segmentCount > 0 && this.#retryTimer === undefined && !this.#stopped) await this.#replay();
    for (;;) {
      const n = this.#queuedRows();
      const due = n >= this.#o.maxBatchRows || (n > 0 && (this.#handled < this.#forceUntil || this.#clock.monotonic() - this.#queueSince >= this.#o.maxDelayMs));
      if (!due) break;
      const batch = this.#full.shift() ?? this.#cutOpen();
      const rows = batch.rows;
      this.#queueSince = this.#clock.monotonic();
      await this.#store(batch.bytes(), rows, 'RowBinary');
      this.#recycle(batch);
      this.#handled += rows;
      this.#resolveFlushes();
    }
    this.#resolveFlushes();
  }

  /** Rows waiting for an insert: the open batch's and the full ones' (at most maxQueueRows / maxBatchRows of them). */
  #queuedRows(): number {
    let rows = this.#open.rows;
    for (const batch of this.#full) rows += batch.rows;
    return rows;
  }

  #cutOpen(): RowBinaryBatch {
    const batch = this.#open;
    this.#open = this.#freshBatch();
    return batch;
  }

  #freshBatch(): RowBinaryBatch {
    const spare = this.#spare;
    this.#spare = undefined;
    return spare ?? new RowBinaryBatch();
  }

  #recycle(batch: RowBinaryBatch): void {
    batch.reset();
    if (this.#spare === undefined && batch.capacity <= keepBufferAtMost) this.#spare = batch;
  }

  async #store(payload: Buffer, rows: number, format: BatchFormat): Promise<void> {
    if (this.#storageUp && this.#o.spool.segmentCount === 0) {
      const outcome = await this.#tryInsert(payload, rows, format);
      if (outcome !== 'retry') return;
    }
    await this.#spool(payload, rows, format);
  }

  /** Replays segments oldest first until the spool is empty or an insert fails. */
  async #replay(): Promise<void> {
    for (let segment = this.#o.spool.oldest(); segment !== undefined; segment = this.#o.spool.oldest()) {
      let payload: Buffer;
      try {
        payload = await this.#o.spool.read(segment);
      } catch (err) {
        this.#o.logger.error({ err, segment: segment.name, rows: segment.rows }, 'spool segment unreadable: dropped');
        this.#drop(segment.rows, 'spool_unreadable');
        await this.#o.spool.removeOldest(segment);
        continue;
      }
      const outcome = await this.#tryInsert(payload, segment.rows, segment.format);
      if (outcome === 'retry') return;
      await this.#o.spool.removeOldest(segment);
      if (outcome === 'inserted') this.#o.metrics.replayed(segment.rows);
    }
    if (!this.#storageUp) this.#o.logger.info({}, 'collector spool replayed: ClickHouse takes inserts again');
    this.#storageUp = true;
    this.#retryMs = this.#o.retryInitialMs ?? 500;
  }

  /**
   * Inserts a batch. A batch ClickHouse refuses as invalid is halved until the refused
   * rows stand alone: only they are kept aside and dropped. If ClickHouse goes away
   * half-way, the whole batch is retried later (the halves already in collapse: FINAL).
   */
  async #tryInsert(payload: Buffer, rows: number, format: BatchFormat): Promise<'inserted' | 'rejected' | 'retry'> {
    const started = this.#clock.monotonic();
    try {
      await this.#o.insert(payload, rows, format);
      this.#o.metrics.inserted(rows, this.#clock.monotonic() - started);
      this.#inserted += rows;
      return 'inserted';
    } catch (err) {
      this.#o.metrics.insertFailed(this.#clock.monotonic() - started);
      if (isRetryableInsertError(err)) {
        if (this.#storageUp) this.#o.logger.error({ code: 'COL_STORAGE_UNAVAILABLE', err, rows }, 'ClickHouse insert failed: spooling to disk until it recovers');
        this.#storageUp = false;
        this.#scheduleRetry();
        return 'retry';
      }
      const halves = rows > 1 ? halve(payload, rows, format) : undefined;
      if (halves !== undefined) {
        const [head, headRows, tail, tailRows] = halves;
        const first = await this.#tryInsert(head, headRows, format);
        if (first === 'retry') return 'retry';
        const second = await this.#tryInsert(tail, tailRows, format);
        return second === 'retry' ? 'retry' : first === 'inserted' && second === 'inserted' ? 'inserted' : 'rejected';
      }
      const kept = await this.#o.spool.keepRejected(payload, rows, format).catch(() => undefined);
      this.#o.logger.error({ err, kept }, 'ClickHouse refused a row as invalid: dropped (kept aside when the spool had room)');
      this.#drop(rows, 'rejected_by_storage');
      return 'rejected';
    }
  }

  async #spool(payload: Buffer, rows: number, format: BatchFormat): Promise<void> {
    let stored: boolean;
    try {
      stored = await this.#o.spool.append(payload, rows, format);
    } catch (err) {
      this.#o.logger.error({ err, rows }, 'cannot write the collector spool: batch dropped');
      this.#drop(rows, 'spool_error');
      return;
    }
    if (stored) {
      if (this.#droppingSpoolFull > 0) {
        this.#o.logger.warn({ dropped: this.#droppingSpoolFull }, 'collector spool has room again');
        this.#droppingSpoolFull = 0;
      }
      this.#o.metrics.spooled(rows);
      this.#scheduleRetry();
      return;
    }
    if (this.#droppingSpoolFull === 0) {
      this.#o.logger.error({ code: 'COL_SPOOL_FULL', rows, spool_bytes: this.#o.spool.bytes, max_bytes: this.#o.spool.maxBytes }, 'collector spool full: dropping batches while ClickHouse is away');
    }
    this.#droppingSpoolFull += rows;
    this.#drop(rows, 'spool_full');
  }

  #scheduleRetry(): void {
    if (this.#retryTimer !== undefined || this.#stopped) return;
    const wait = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, this.#o.retryMaxMs ?? 30_000);
    this.#retryTimer = unref(
      setTimeout(() => {
        this.#retryTimer = undefined;
        this.#kick();
      }, wait),
    );
  }

  #drop(rows: number, reason: string): void {
    this.#dropped += rows;
    this.#o.metrics.dropped(rows, reason);
  }

  #resolveFlushes(): void {
    if (this.#flushWaiters.length === 0) return;
    this.#flushWaiters = this.#flushWaiters.filter((w) => {
      if (w.target > this.#handled) return true;
      w.resolve();
      return false;
    });
  }
}

/** A refused batch in two, or undefined when its bytes do not hold the rows it claims (kept aside whole). */
function halve(payload: Buffer, rows: number, format: BatchFormat): ReturnType<typeof splitRows> | undefined {
  try {
    if (format === 'JSONCompactEachRow') return splitRows(payload, rows);
    return splitRowBinary(payload, rows, format);
  } catch {
    return undefined;
  }
}

function unref(timer: NodeJS.Timeout): NodeJS.Timeout {
  timer.unref();
  return timer;
}
