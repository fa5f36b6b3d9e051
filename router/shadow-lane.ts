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
//
// Shared (router/shared-limits.ts): the limiter is one member of a Redis-held cluster, so the
// limits are totals over every router. Each batch then carries an expiration, because a
// router that dies mid-call cannot free its slots itself; and a lane stopping while Redis
// does not answer gives up on its calls that never started instead of waiting for it.

import { setTimeout as sleep } from 'node:timers/promises';
import Bottleneck from 'bottleneck';

export interface LaneLimits {
  readonly maxConcurrency: number;
  readonly maxRps: number;
  /** Calls accepted and not started yet, at most. */
  readonly queueSize: number;
}

export interface LaneHandlers {
  /** Calls accepted earlier and then not made: the lane was stopped before they started. */
  droppedAtStop(calls: number): void;
  /** A call threw (calls are expected to record their own failures). */
  failed(err: unknown): void;
  /** Calls accepted and then not made because the shared limits' Redis did not answer. */
  unavailable(calls: number): void;
}

/** A lane whose limits are shared with other routers' lanes of the same id. */
export interface SharedLane {
  /** From SharedLimits.clusterOptions. */
  readonly cluster: Bottleneck.ConstructorOptions;
  /** Longest a batch may hold its slots: past it they are freed even if its router died. */
  readonly expirationMs: number;
}

export interface LaneOptions {
  /** Longest a call waits for others to join its batch. */
  readonly windowMs?: number;
  readonly shared?: SharedLane;
}

export type LaneCall = () => Promise<void>;

/** Longest a call waits for others to join its batch. */
export const batchWindowMs = 50;
const largestBatch = 32;

/** How long a stopping shared lane waits for Redis before giving up on calls not started. */
const sharedStopWaitMs = 1000;

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

/**
 * Pure: how often a shared limiter runs its Redis heartbeat. A shared reservoir is refilled
 * by the heartbeat (there is no local timer), so it beats four times per refill, between
 * 100 ms and 1 s.
 */
export function sharedHeartbeatMs(limiter: Bottleneck.ConstructorOptions): number {
  const refillMs = limiter.reservoirRefreshInterval ?? 1000;
  return Math.min(1000, Math.max(100, Math.floor(refillMs / 4)));
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
  /** Every job submitted and not settled, with whether its calls have started. */
  readonly #jobs = new Map<Promise<void>, { started: boolean; calls: number }>();
  readonly #expirationMs: number | undefined;
  #stopped = false;
  /** Set when a stopping shared lane gave up on the calls it could not start. */
  #abandoned = false;
  #jobsSubmitted = 0;
  /** Resolves once the limits are in force: at once, or when a shared lane's settings are in Redis. */
  readonly ready: Promise<void>;

  constructor(limits: LaneLimits, handlers: LaneHandlers, options: LaneOptions = {}) {
    const settings = laneSettings(limits);
    const shared = options.shared;
    if (shared === undefined) {
      this.#limiter = new Bottleneck(settings.limiter);
      this.ready = Promise.resolve();
    } else {
      this.#limiter = new Bottleneck({ ...settings.limiter, ...shared.cluster, heartbeatInterval: sharedHeartbeatMs(settings.limiter) } as Bottleneck.ConstructorOptions);
      // Redis keeps the settings of the cluster's first limiter; this router's config is
      // the newest the operator gave, so it replaces them.
      const limiter = this.#limiter;
      this.ready = limiter.ready().then(async () => void (await limiter.updateSettings(settings.limiter)));
      // Reported by the shared connection; the next router to start writes them again.
      this.ready.catch(() => {});
    }
    this.#expirationMs = shared?.expirationMs;
    this.#batchMax = settings.batchMax;
    this.#windowMs = options.windowMs ?? batchWindowMs;
    this.#queueSize = limits.queueSize;
    this.#handlers = handlers;
  }

  /** True once `stop` was called: offers are refused from then on. */
  get stopped(): boolean {
    return this.#stopped;
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
    while (this.#jobs.size > 0) await Promise.all([...this.#jobs.keys()]);
  }

  /** Refuses new calls and drops those not started; running ones finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.flush();
    const limiterStopped = this.#limiter.stop({ dropWaitingJobs: true });
    if (this.#expirationMs === undefined) {
      await limiterStopped;
      await this.idle();
      return;
    }
    // A shared limiter's stop goes through Redis; if Redis does not answer, the calls that
    // never started are given up on (and counted) rather than waited for.
    const giveUp = new AbortController();
    const answered = await Promise.race([limiterStopped.then(() => true), sleep(sharedStopWaitMs, false, { signal: giveUp.signal }).catch(() => true)]);
    giveUp.abort();
    if (!answered) {
      this.#abandoned = true;
      let notStarted = 0;
      for (const [job, state] of this.#jobs) {
        if (state.started) continue;
        notStarted += state.calls;
        this.#jobs.delete(job);
      }
      this.#notStarted -= notStarted;
      if (notStarted > 0) this.#handlers.unavailable(notStarted);
    }
    await this.idle();
    // Its heartbeat stops when the shared connection closes (SharedLimits.close).
  }

  /** Runs a call; what it throws, at once or later, goes to `failed` and not to its batch-mates. */
  #run(call: LaneCall): Promise<void> {
    try {
      return call().catch((err: unknown) => this.#handlers.failed(err));
    } catch (err) {
      this.#handlers.failed(err);
      return Promise.resolve();
    }
  }

  #submit(calls: LaneCall[]): void {
    this.#jobsSubmitted += 1;
    const state = { started: false, calls: calls.length };
    const options: Bottleneck.JobOptions = this.#expirationMs === undefined ? { weight: calls.length } : { weight: calls.length, expiration: this.#expirationMs };
    const job = this.#limiter
      .schedule(options, async () => {
        if (this.#abandoned) return;
        state.started = true;
        this.#notStarted -= calls.length;
        await Promise.all(calls.map((call) => this.#run(call)));
      })
      .catch((err: unknown) => {
        if (this.#abandoned && !state.started) return;
        if (state.started) {
          this.#handlers.failed(err);
          return;
        }
        this.#notStarted -= calls.length;
        if (err instanceof Bottleneck.BottleneckError) this.#handlers.droppedAtStop(calls.length);
        else if (this.#expirationMs !== undefined) this.#handlers.unavailable(calls.length);
        else this.#handlers.failed(err);
      });
    this.#jobs.set(job, state);
    void job.finally(() => this.#jobs.delete(job));
  }
}
