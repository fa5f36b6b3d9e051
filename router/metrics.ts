// Router instruments. Names are the Prometheus names users see on /metrics (README lists them).

import type { Attributes, Meter } from '@opentelemetry/api';
import { createSummedCounter } from '../core/summed-counter.ts';
import { createSummedHistogram } from '../core/summed-histogram.ts';
import type { ErrorClass } from '../schemas/index.ts';
import { breakerStateValue } from './breaker.ts';
import type { RouteTable } from './route-table.ts';

export interface RouterMetrics {
  request(workload: string, route: string, outcome: string, fallback: boolean, seconds: number): void;
  attempt(route: string, errorClass: ErrorClass | null, seconds: number): void;
  retry(workload: string, route: string): void;
  failover(workload: string, from: string, to: string): void;
  /** A request drawn into a drill ended: `outcome` is served, fell_back, skipped_ineligible or cancelled. */
  drill(workload: string, route: string, outcome: string): void;
}

const latencyBoundaries = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createRouterMetrics(meter: Meter, table: RouteTable): RouterMetrics {
  // Counted on every request: summed in the process (core/summed-counter.ts, core/summed-histogram.ts).
  const requests = createSummedCounter(meter, 'warmpath_requests', { description: 'Client requests by workload, serving route and outcome' });
  const duration = createSummedHistogram(meter, 'warmpath_request_duration_seconds', {
    description: 'Client request latency, first byte in to last byte out',
    boundaries: latencyBoundaries,
  });
  const attempts = createSummedCounter(meter, 'warmpath_upstream_attempts', { description: 'Upstream attempts by route and error class (none = answered)' });
  const attemptDuration = createSummedHistogram(meter, 'warmpath_upstream_attempt_duration_seconds', {
    description: 'Upstream attempt latency up to the answer or the first stream chunk',
    boundaries: latencyBoundaries,
  });
  const retries = meter.createCounter('warmpath_retries', { description: 'Retries on a workload primary' });
  const failovers = meter.createCounter('warmpath_failovers', { description: 'Requests served by a secondary after the primary failed' });
  const drills = createSummedCounter(meter, 'warmpath_drill_requests', { description: 'Requests drawn into a failover drill by workload, drill route and outcome' });
  meter
    .createObservableGauge('warmpath_breaker_state', { description: 'Circuit breaker per route: 0 closed, 1 half-open, 2 open' })
    .addCallback((result) => {
      for (const [route, runtime] of table.routes) result.observe(breakerStateValue[runtime.breaker.state], { route });
    });
  return {
    request(workload, route, outcome, fallback, seconds) {
      const attrs: Attributes = { workload, route, outcome, fallback: fallback ? '1' : '0' };
      const key = `${workload}\u0000${route}\u0000${outcome}\u0000${attrs.fallback}`;
      requests.add(key, attrs);
      duration.record(key, attrs, seconds);
    },
    attempt(route, errorClass, seconds) {
      const attrs: Attributes = { route, error_class: errorClass ?? 'none' };
      const key = `${route}\u0000${attrs.error_class}`;
      attempts.add(key, attrs);
      attemptDuration.record(key, attrs, seconds);
    },
    retry(workload, route) {
      retries.add(1, { workload, route });
    },
    failover(workload, from, to) {
      failovers.add(1, { workload, from, to });
    },
    drill(workload, route, outcome) {
      drills.add(`${workload}\u0000${route}\u0000${outcome}`, { workload, route, outcome });
    },
  };
}
