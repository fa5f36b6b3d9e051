// Converts the router's exchange records into insert rows on a worker thread.
//
// Why: the conversion (content mode, redaction, canonical JSON, sha256, the row's JSON)
// was the largest piece of per-request work on the router's event loop, and its rows then
// sat in the batch queue as strings for up to batch_max_delay_ms, surviving young-
// generation collections. Here the event loop only collects records into batches and
// posts them (as JSON text, ~2 µs a record against ~6 µs to convert); the worker
// converts and hands back each batch's rows as one transferred Buffer, off the JS heap.
// `npm run bench:duo` put it at 1.08–1.11× the router's max throughput (BENCHMARKS.md).
// Posting costs CPU the in-thread path does not spend (the text, its parse), so when the
// worker is two batches behind, this thread converts the next batch itself. Each message
// also has a fixed cost on both threads, so a partial batch waits up to 50 ms: at 1,000
// req/s, 5 ms batches of ~5 records cost the router's main thread ~4% of a core more than
// 50 ms batches, and the worker 4% against 1.5% (BENCHMARKS.md, ninth look).
//
// Nothing is lost to the worker: a batch stays referenced until its rows come back, and
// if the worker fails (or a batch cannot be posted) what it held, and every later batch,
// is converted in-thread instead. Rows are handed on in the order records were added.

import { Worker } from 'node:worker_threads';
import type { ExchangeRecord } from '../schemas/index.ts';
import { convertBatch, type ConvertedBatch, type EncodedRows, type StorageMap, type Unconvertible } from './row-batch.ts';
import type { WriterLogger } from './writer-types.ts';

export interface RowConverterOptions {
  readonly storage: StorageMap;
  /** Receives each batch's rows in the order the records were added. */
  readonly onConverted: (rows: EncodedRows, records: number, unconvertible: readonly Unconvertible[]) => void;
  readonly logger: WriterLogger;
  /** Records per posted batch (default 256); a smaller batch is posted after `maxDelayMs` (default 50). */
  readonly maxBatchRecords?: number;
  readonly maxDelayMs?: number;
  /** False converts in-thread (the fallback path). */
  readonly useWorker?: boolean;
  /** The worker's script (tests run one that fails). */
  readonly workerUrl?: URL;
}

interface WorkerAnswer {
  readonly buffer: ArrayBuffer;
  readonly rows: number;
  readonly unconvertible: readonly Unconvertible[];
}

/** A batch on its way: rows are handed on in batch order, whoever converted them. */
interface Slot {
  readonly records: readonly ExchangeRecord[];
  readonly onWorker: boolean;
  converted: ConvertedBatch | undefined;
}

/** How long a partial batch waits for more records: long enough to amortise a message. */
export const defaultMaxDelayMs = 50;

/** Batches the worker may hold before this thread converts the next one itself. */
const maxWorkerBacklog = 2;

const defaultWorkerUrl = new URL(`./row-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

export class RowConverter {
  readonly #o: RowConverterOptions;
  readonly #maxBatch: number;
  readonly #maxDelayMs: number;
  #worker: Worker | undefined;
  #pending: ExchangeRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Batches posted or converted whose rows are not handed on yet, oldest first. */
  #slots: Slot[] = [];
  #idleWaiters: (() => void)[] = [];
  #closed = false;
  #batchesOnWorker = 0;
  #batchesHere = 0;
  /** Batches in a row that could not be posted (logged once per run of them). */
  #unpostable = 0;

  constructor(options: RowConverterOptions) {
    this.#o = options;
    this.#maxBatch = options.maxBatchRecords ?? 256;
    this.#maxDelayMs = options.maxDelayMs ?? defaultMaxDelayMs;
    if (options.useWorker !== false) this.#startWorker(options.workerUrl ?? defaultWorkerUrl);
  }

  /** Queues a record for conversion. */
  add(record: ExchangeRecord): void {
    this.#pending.push(record);
    if (this.#pending.length >= this.#maxBatch) this.post();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.post(), this.#maxDelayMs);
      this.#timer.unref();
    }
  }

  /** Posts what is pending now (flush, shutdown). */
  post(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const records = this.#pending;
    this.#pending = [];
    const worker = this.#worker;
    // Work sharing: while the worker is behind, this thread converts too. Under bulk load
    // (ingest, a replayed backlog) that spends less CPU in all than queueing behind the
    // worker; a router at full load keeps the worker ahead, so nothing is converted here.
    if (worker !== undefined && this.#atWorker() < maxWorkerBacklog) {
      try {
        // As JSON text: what the row's JSON keeps of a record is what JSON keeps, and the
        // worker parses text faster than it deserialises a structured clone (~2.7 against
        // ~4.5 µs a record), at the same cost here (~2 µs).
        worker.postMessage(JSON.stringify(records));
        if (this.#slots.length === 0) worker.ref();
        this.#slots.push({ records, onWorker: true, converted: undefined });
        this.#batchesOnWorker += 1;
        if (this.#unpostable > 0) {
          this.#o.logger.info({ batches: this.#unpostable }, 'exchange records post to the row converter again');
          this.#unpostable = 0;
        }
        return;
      } catch (err) {
        // A record JSON cannot hold (a BigInt, a cycle); the worker itself is fine. Logged
        // once per run of such batches, not per batch.
        if (this.#unpostable === 0) this.#o.logger.warn({ err, records: records.length }, 'exchange records could not be posted to the row converter: converted in-thread');
        this.#unpostable += 1;
      }
    }
    this.#slots.push({ records, onWorker: false, converted: convertBatch(records, this.#o.storage) });
    this.#batchesHere += 1;
    this.#handOn();
  }

  /** Records added whose rows are not handed on yet. */
  get backlog(): number {
    let n = this.#pending.length;
    for (const slot of this.#slots) n += slot.records.length;
    return n;
  }

  /** Batches posted to the worker, and converted in this thread (sharing, fallback). */
  get batches(): { readonly onWorker: number; readonly here: number } {
    return { onWorker: this.#batchesOnWorker, here: this.#batchesHere };
  }

  /** Whether batches still go to the worker thread (false once it failed, or without one). */
  get onWorker(): boolean {
    return this.#worker !== undefined;
  }

  /** Posts what is pending, waits until every batch's rows are handed on, stops the worker. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.post();
    if (this.#slots.length > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #atWorker(): number {
    let n = 0;
    for (const slot of this.#slots) if (slot.onWorker && slot.converted === undefined) n += 1;
    return n;
  }

  #startWorker(url: URL): void {
    const worker = new Worker(url, { workerData: this.#o.storage, name: 'warmpath-row-converter' });
    worker.unref();
    worker.on('message', (answer: WorkerAnswer) => {
      const slot = this.#slots.find((s) => s.onWorker && s.converted === undefined);
      if (slot === undefined) return;
      slot.converted = { bytes: Buffer.from(answer.buffer), rows: answer.rows, unconvertible: answer.unconvertible };
      this.#handOn();
    });
    worker.on('error', (err: unknown) => this.#workerFailed(worker, err instanceof Error ? err : new Error(String(err))));
    worker.on('exit', (code) => this.#workerFailed(worker, new Error(`row converter worker exited with code ${code}`)));
    this.#worker = worker;
  }

  /** Converts in-thread what the worker did not answer; later batches stay in-thread. */
  #workerFailed(worker: Worker, err: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    this.#o.logger.error({ err, code: 'COL_CONVERTER_FAILED', records: this.backlog }, 'row converter worker failed: converting exchange records on the main thread from now on');
    for (const slot of this.#slots) slot.converted ??= convertBatch(slot.records, this.#o.storage);
    this.#handOn();
  }

  #handOn(): void {
    while (this.#slots.length > 0) {
      const slot = this.#slots[0] as Slot;
      const converted = slot.converted;
      if (converted === undefined) return;
      this.#slots.shift();
      this.#o.onConverted(converted, slot.records.length, converted.unconvertible);
    }
    this.#worker?.unref();
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
