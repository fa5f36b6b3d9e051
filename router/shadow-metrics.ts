// Shadow instruments (README "Metrics").

import type { Meter } from '@opentelemetry/api';
import { createSummedCounter } from '../core/summed-counter.ts';
import { createSummedHistogram } from '../core/summed-histogram.ts';

/**
 * Why a sampled shadow call was not made: its target's queue was full, the budget stopped
 * shadow while it waited, the shared limits' Redis did not answer, or the router shut down
 * before it started.
 */
export type ShadowDropReason = 'queue_full' | 'budget' | 'limits_unavailable' | 'shutdown';

export interface ShadowMetrics {
  call(workload: string, route: string, kind: string, outcome: string, seconds: number): void;
  dropped(workload: string, route: string, reason: ShadowDropReason, calls?: number): void;
  withheld(workload: string, route: string, reason: 'uncertified'): void;
  skipped(workload: string, reason: 'budget'): void;
}

export function createShadowMetrics(
  meter: Meter,
  budgets: (observe: (workload: string, spentUsd: number, state: number) => void) => void,
): ShadowMetrics {
  // Up to two per request at full shadow: summed in the process (core/summed-*.ts).
  const calls = createSummedCounter(meter, 'warmpath_shadow_calls', { description: 'Shadow and twin calls by workload, target route, kind and outcome' });
  const duration = createSummedHistogram(meter, 'warmpath_shadow_call_duration_seconds', {
    description: 'Shadow call latency',
    boundaries: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  });
  const dropped = meter.createCounter('warmpath_shadow_dropped', { description: 'Sampled shadow calls not made: queue full, budget reached while queued, the shared limits\' Redis not answering, or the router shutting down' });
  const withheld = meter.createCounter('warmpath_shadow_withheld', { description: 'Shadow samples withheld from a secondary because it is not certified for the workload' });
  const skipped = meter.createCounter('warmpath_shadow_skipped', { description: 'Requests not sampled because the shadow budget stopped shadow' });
  const spend = meter.createObservableGauge('warmpath_shadow_spend_usd', { description: 'Shadow spend today (UTC) per workload' });
  const state = meter.createObservableGauge('warmpath_shadow_budget_state', { description: 'Shadow budget per workload: 0 normal, 1 halved (80%), 2 stopped (95%)' });
  meter.addBatchObservableCallback(
    (result) => budgets((workload, spentUsd, value) => {
      result.observe(spend, spentUsd, { workload });
      result.observe(state, value, { workload });
    }),
    [spend, state],
  );
  return {
    call(workload, route, kind, outcome, seconds) {
      calls.add(`${workload}\u0000${route}\u0000${kind}\u0000${outcome}`, { workload, route, kind, outcome });
      duration.record(`${workload}\u0000${route}\u0000${kind}`, { workload, route, kind }, seconds);
    },
    dropped: (workload, route, reason, calls = 1) => dropped.add(calls, { workload, route, reason }),
    withheld: (workload, route, reason) => withheld.add(1, { workload, route, reason }),
    skipped: (workload, reason) => skipped.add(1, { workload, reason }),
  };
}
