// Keeps a router's daily shadow budgets in step with the spend stored by every router: on
// start (so a restart does not begin the day at zero) and every interval after (so N routers
// hold one cap between them). Stored spend is read in windows of insertion time and summed
// here; a day is read whole once, then only what was inserted since the last read.

import type { Meter, ObservableResult } from '@opentelemetry/api';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../core/clock.ts';
import type { SpendSource } from '../schemas/index.ts';
import { ShadowBudget } from './shadow-budget.ts';

export interface SpendReconciler {
  /** Stored spend of the UTC day from `dayStartMs`, per workload, of rows inserted before `asOfMs`. */
  reconcileSpend(storedUsd: ReadonlyMap<string, number>, dayStartMs: number, asOfMs: number): void;
}

export interface SpendSyncOptions {
  readonly source: SpendSource;
  readonly target: SpendReconciler;
  readonly clock: Clock;
  readonly logger: FastifyBaseLogger;
  /** For `warmpath_shadow_spend_age_seconds` and `warmpath_shadow_spend_read_failures_total`. */
  readonly meter: Meter;
  /** Default 30 s. */
  readonly intervalMs?: number;
}

export interface SpendSync {
  /** Reads what was stored since the last read and hands the day's totals on; false when the read failed. */
  syncNow(): Promise<boolean>;
  stop(): Promise<void>;
}

// A row of today's calls is not inserted before today began, but the router's and storage's
// clocks may disagree by this much.
const clockSkewAllowanceMs = 3_600_000;

export function startSpendSync(options: SpendSyncOptions): SpendSync {
  const { source, target, clock, logger } = options;
  const intervalMs = options.intervalMs ?? 30_000;
  let dayStartMs = -1;
  let insertedAfterMs = 0;
  let totals = new Map<string, number>();
  let failing = false;
  let running: Promise<boolean> | undefined;
  const stopping = new AbortController();
  // Until a read succeeds the age counts from the start, so "never read" alerts like "stale".
  let readAtMs = clock.now();
  const ageGauge = options.meter.createObservableGauge('warmpath_shadow_spend_age_seconds', {
    description: 'Seconds since the stored shadow spend of every router was last read (since start when it never was)',
  });
  const observeAge = (result: ObservableResult): void => result.observe((clock.now() - readAtMs) / 1000);
  ageGauge.addCallback(observeAge);
  const failures = options.meter.createCounter('warmpath_shadow_spend_read_failures_total', {
    description: 'Reads of the stored shadow spend that failed: storage or collector unreachable, or an answer refused',
  });

  const sync = async (): Promise<boolean> => {
    const day = ShadowBudget.dayStart(clock.now());
    if (day !== dayStartMs) {
      dayStartMs = day;
      insertedAfterMs = day - clockSkewAllowanceMs;
      totals = new Map();
    }
    try {
      const window = await source({ dayStartMs: day, insertedAfterMs }, stopping.signal);
      if (day !== dayStartMs) return true; // the day turned while reading
      for (const [workload, usd] of window.usdByWorkload) totals.set(workload, (totals.get(workload) ?? 0) + usd);
      insertedAfterMs = Math.max(insertedAfterMs, window.insertedBeforeMs);
      target.reconcileSpend(totals, day, insertedAfterMs);
      readAtMs = clock.now();
      if (failing) logger.info('stored shadow spend readable again');
      failing = false;
      return true;
    } catch (err) {
      if (stopping.signal.aborted) return false;
      failures.add(1);
      if (!failing) logger.warn({ err }, 'cannot read stored shadow spend: shadow budgets count this router\'s calls only until it can; retrying');
      failing = true;
      return false;
    }
  };
  const syncNow = (): Promise<boolean> => (running ??= sync().finally(() => (running = undefined)));
  const timer = setInterval(() => void syncNow(), intervalMs);
  timer.unref();
  return {
    syncNow,
    async stop() {
      clearInterval(timer);
      ageGauge.removeCallback(observeAge);
      stopping.abort();
      await running;
    },
  };
}
