// The batching writer, after opentelemetry-js's BatchSpanProcessorBase: a bounded queue
// (storage.queue_max_rows), batches of at most storage.batch_max_rows sent when full or
// storage.batch_max_delay_ms after their first row, drops counted and logged once per
// episode, flush(), shutdown() safe to call twice. Added: the disk spool, and records
// taken before their rows exist: reserve() counts a record in the bound (and in what
// flush() waits for) when the sink takes it; its row arrives later from the row converter
// through fill(), in reservation order, as part of an already encoded block.
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
import { BatchEncoder, splitAfterRows, splitRows } from './batch-encoder.ts';
import type { EncodedRows, Unconvertible } from './row-batch.ts';
import { isRetryableInsertError } from './insert.ts';
import type { BatchWriterOptions, InsertBatch, WriterLogger, WriterStats } from './writer-types.ts';

export type { BatchWriterOptions, InsertBatch, WriterLogger, WriterStats };

/** Converted rows in the queue, and how many records of theirs could not be converted (counted dropped already). */
interface QueuedBlock {
  readonly bytes: Buffer;
  readonly rows: number;
  readonly skipped: number;
}

export class BatchWriter {
  readonly #o: BatchWriterOptions;
  readonly #clock: Clock;
  readonly #encoder = new BatchEncoder();
  #queue: QueuedBlock[] = [];
  /** Records in the queue: its blocks' rows and skipped records. */
  #queued = 0;
  /** Records taken by reserve() whose rows have not come in through fill() yet. */
  #reserved = 0;
  #unconvertible = 0;
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
  #intakeClosed = false;
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
   * Takes one record into the writer's care before it is converted: counted in the queue's
   * bound, waited for by flush(). Its row comes later through fill(), in the order of
   * reservation. Never throws; false when the record is dropped (queue full, shut down).
   */
  reserve(): boolean {
    if (this.#stopped || this.#intakeClosed) {
      this.#drop(1, 'shut_down');
      return false;
    }
    if (this.#queued + this.#reserved >= this.#o.maxQueueRows) {
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
    this.#reserved += 1;
    this.#enqueued += 1;
    return true;
  }

  /**
   * The rows of the next `records` reserved records. Those that could not be converted
   * are counted dropped (reason invalid_record) and logged once.
   */
  fill(block: EncodedRows, records: number, unconvertible: readonly Unconvertible[]): void {
    this.#reserved -= records;
    const skipped = records - block.rows;
    if (skipped > 0) {
      if (this.#unconvertible === 0) this.#o.logger.error({ first: unconvertible[0], records: skipped }, 'exchange record cannot be stored: dropped');
      this.#unconvertible += skipped;
      this.#drop(skipped, 'invalid_record');
    }
    if (this.#queued === 0) this.#queueSince = this.#clock.monotonic();
    this.#queue.push({ bytes: block.bytes, rows: block.rows, skipped });
    this.#queued += records;
    if (this.#queued >= this.#o.maxBatchRows || this.#handled < this.#forceUntil) this.#kick();
    else this.#delayTimer ??= unref(setTimeout(() => this.#onDelay(), this.#o.maxDelayMs));
  }

  /** Refuses records from now on (shut_down); those reserved still come in through fill(). */
  closeIntake(): void {
    this.#intakeClosed = true;
  }

  /** Records the queue can still take. */
  freeCapacity(): number {
    return this.#stopped || this.#intakeClosed ? 0 : Math.max(0, this.#o.maxQueueRows - this.#queued - this.#reserved);
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
      queued: this.#queued + this.#reserved,
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
    if (this.#queued > 0 && this.#delayTimer === undefined && !this.#stopped) {
      const wait = Math.max(0, this.#o.maxDelayMs - (this.#clock.monotonic() - this.#queueSince));
      this.#delayTimer = unref(setTimeout(() => this.#onDelay(), wait));
    }
  }

  async #work(): Promise<void> {
    if (this.#o.spool.segmentCount > 0 && this.#retryTimer === undefined && !this.#stopped) await this.#replay();
    for (;;) {
      const n = this.#queued;
      const due = n >= this.#o.maxBatchRows || (n > 0 && (this.#handled < this.#forceUntil || this.#clock.monotonic() - this.#queueSince >= this.#o.maxDelayMs));
      if (!due) break;
      const { blocks, rows, records } = this.#takeBatch();
      this.#queueSince = this.#clock.monotonic();
      if (rows > 0) await this.#store(this.#encoder.join(blocks), rows);
      this.#handled += records;
      this.#resolveFlushes();
    }
    this.#resolveFlushes();
  }

  /** The oldest blocks up to batch_max_rows rows, the last one cut if it goes past. */
  #takeBatch(): { blocks: Buffer[]; rows: number; records: number } {
    const blocks: Buffer[] = [];
    let rows = 0;
    let records = 0;
    let taken = 0;
    while (taken < this.#queue.length && rows < this.#o.maxBatchRows) {
      const block = this.#queue[taken] as QueuedBlock;
      const room = this.#o.maxBatchRows - rows;
      if (block.rows > room) {
        const [head, rest] = splitAfterRows(block.bytes, room);
        blocks.push(head);
        rows += room;
        records += room;
        this.#queue[taken] = { bytes: rest, rows: block.rows - room, skipped: block.skipped };
        break;
      }
      blocks.push(block.bytes);
      rows += block.rows;
      records += block.rows + block.skipped;
      taken += 1;
    }
    this.#queue = taken === this.#queue.length ? [] : this.#queue.slice(taken);
    this.#queued -= records;
    return { blocks, rows, records };
  }

  async #store(payload: Buffer, rows: number): Promise<void> {
    if (this.#storageUp && this.#o.spool.segmentCount === 0) {
      const outcome = await this.#tryInsert(payload, rows);
      if (outcome !== 'retry') return;
    }
    await this.#spool(payload, rows);
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
      const outcome = await this.#tryInsert(payload, segment.rows);
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
  async #tryInsert(payload: Buffer, rows: number): Promise<'inserted' | 'rejected' | 'retry'> {
    const started = this.#clock.monotonic();
    try {
      await this.#o.insert(payload, rows);
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
      if (rows > 1) {
        const [head, headRows, tail, tailRows] = splitRows(payload, rows);
        const first = await this.#tryInsert(head, headRows);
        if (first === 'retry') return 'retry';
        const second = await this.#tryInsert(tail, tailRows);
        return second === 'retry' ? 'retry' : first === 'inserted' && second === 'inserted' ? 'inserted' : 'rejected';
      }
      const kept = await this.#o.spool.keepRejected(payload, rows).catch(() => undefined);
      this.#o.logger.error({ err, kept }, 'ClickHouse refused a row as invalid: dropped (kept aside when the spool had room)');
      this.#drop(rows, 'rejected_by_storage');
      return 'rejected';
    }
  }

  async #spool(payload: Buffer, rows: number): Promise<void> {
    let stored: boolean;
    try {
      stored = await this.#o.spool.append(payload, rows);
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

function unref(timer: NodeJS.Timeout): NodeJS.Timeout {
  timer.unref();
  return timer;
}
