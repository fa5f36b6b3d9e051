// One shadow target's limits. bottleneck enforces max_concurrency and max_rps, counted in
// calls; calls that arrive within a short window go to it together, as one job weighted
// by their number, instead of one job each.
//
// Why batches: bottleneck's per-job machinery (two lock queues, a timer per step, events
// and promises per state change) was half of all the router allocated at 100% shadow, and
// the young-generation GC pauses that followed were most of what shadow added to the
// primary's p99 (BENCHMARKS.md, "Shadow p99"). A shadow call is background work that takes
// seconds upstream, so starting it up to `batchWindowMs` later costs nothing a user sees.
//
// What changes against one job per call: max_rps is a budget refilled every second (spread
// evenly for rates under 1/s), not a fixed spacing; and a batch frees its concurrency slots
// when its last call ends, so batches are kept to a quarter of max_concurrency at most.

import Bottleneck from 'bottleneck';

export interface LaneLimits {
  readonly maxConcurrency: number;
  readonly maxRps: number;
  /** Calls accepted and not started yet, at most. */
  readonly queueSize: number;
}

export interface LaneHandlers {
  /** Calls accepted earlier and then not made: the lane was stopped before they started. */
  dropped(calls: number): void;
  /** A call threw (calls are expected to record their own failures). */
  failed(err: unknown): void;
}

export type LaneCall = () => Promise<void>;

/** Longest a call waits for others to join its batch. */
export const batchWindowMs = 50;
const largestBatch = 32;

/** Pure: the bottleneck settings and batch size for a target's limits. */
export function laneSettings(limits: LaneLimits): { readonly limiter: Bottleneck.ConstructorOptions; readonly batchMax: number } {
  // A whole number of calls per refill, refilled often enough to average max_rps.
  const perRefill = Math.max(1, Math.floor(limits.maxRps));
  return {
    limiter: {
      maxConcurrent: limits.maxConcurrency,
      reservoir: perRefill,
      reservoirRefreshAmount: perRefill,
      reservoirRefreshInterval: Math.round((1000 * perRefill) / limits.maxRps),
    },
    batchMax: Math.max(1, Math.min(Math.floor(limits.maxConcurrency / 4), perRefill, largestBatch)),
  };
}

export class ShadowLane {
  readonly #limiter: Bottleneck;
  readonly #batchMax: number;
  readonly #windowMs: number;
  readonly #queueSize: number;
  readonly #handlers: LaneHandlers;
  #waiting: LaneCall[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Calls accepted and not started: waiting here or in the limiter's queue. */
  #notStarted = 0;
  readonly #jobs = new Set<Promise<void>>();
  #stopped = false;
  #jobsSubmitted = 0;

  constructor(limits: LaneLimits, handlers: LaneHandlers, windowMs = batchWindowMs) {
    const settings = laneSettings(limits);
    this.#limiter = new Bottleneck(settings.limiter);
    this.#batchMax = settings.batchMax;
    this.#windowMs = windowMs;
    this.#queueSize = limits.queueSize;
    this.#handlers = handlers;
  }

  /** Accepts a call, or refuses it (false) when the queue is full or the lane stopped. */
  offer(call: LaneCall): boolean {
    if (this.#stopped || this.#notStarted >= this.#queueSize) return false;
    this.#notStarted += 1;
    this.#waiting.push(call);
    if (this.#waiting.length >= this.#batchMax) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#windowMs);
    return true;
  }

  /** Limiter jobs submitted so far: the calls accepted, divided by what batching saved. */
  get jobsSubmitted(): number {
    return this.#jobsSubmitted;
  }

  /** Hands the waiting calls to the limiter now. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#waiting.length > 0) this.#submit(this.#waiting.splice(0, this.#batchMax));
  }

  /** Resolves when every call accepted so far has run (or was dropped). */
  async idle(): Promise<void> {
    this.flush();
    while (this.#jobs.size > 0) await Promise.all([...this.#jobs]);
  }

  /** Refuses new calls and drops those not started; running ones finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.flush();
    await this.#limiter.stop({ dropWaitingJobs: true });
    await this.idle();
  }

  #submit(calls: LaneCall[]): void {
    this.#jobsSubmitted += 1;
    let started = false;
    const job = this.#limiter
      .schedule({ weight: calls.length }, async () => {
        started = true;
        this.#notStarted -= calls.length;
        await Promise.all(calls.map((call) => call().catch((err: unknown) => this.#handlers.failed(err))));
      })
      .catch((err: unknown) => {
        if (started) {
          this.#handlers.failed(err);
          return;
        }
        this.#notStarted -= calls.length;
        if (err instanceof Bottleneck.BottleneckError) this.#handlers.dropped(calls.length);
        else this.#handlers.failed(err);
      });
    this.#jobs.add(job);
    void job.finally(() => this.#jobs.delete(job));
  }
}
