// Shadow mirroring: after the primary answer is on its way, a sampled share of requests is
// re-sent to every secondary certified for the workload (and a noise share to the primary
// itself, the twin), each target behind its own limits and bounded queue (shadow-lane.ts). A
// shadow call has its own timeout, no retries, no failover, and never touches the primary
// response or the breakers.

import { randomUUID } from 'node:crypto';
import { ProxyTracerProvider, type Meter, type SpanContext, type Tracer } from '@opentelemetry/api';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock, Random } from '../core/clock.ts';
import { UpstreamStreamError, failure, summariseCompletion, type AnswerSummary, type UpstreamFailure } from '../providers/index.ts';
import type { ChatRequest, ErrorClass, ExchangeKind, ExchangeOutcome, ExchangeRecord, ExchangeSink } from '../schemas/index.ts';
import { round } from './execute.ts';
import { StreamAccumulator, buildRecord } from './record.ts';
import type { RouteRuntime, RouteTable, WorkloadRoutes } from './route-table.ts';
import { ShadowBudget, budgetStateValue } from './shadow-budget.ts';
import { ShadowLane } from './shadow-lane.ts';
import { createShadowMetrics, type ShadowMetrics } from './shadow-metrics.ts';
import type { SharedLimits } from './shared-limits.ts';
import { endWithRecord, startShadowSpan } from './tracing.ts';

export interface ShadowMirror {
  /** Called once the primary answer has gone out; decides and schedules, never waits. */
  afterPrimary(routes: WorkloadRoutes, request: ChatRequest, primary: ExchangeRecord, primarySpan?: SpanContext): void;
  /** Shadow spend of the current UTC day, in USD. */
  spendToday(workload: string): number;
  /** The day's spend stored by every router, per workload, of rows inserted before `asOfMs` (router/spend-sync.ts). */
  reconcileSpend(storedUsd: ReadonlyMap<string, number>, dayStartMs: number, asOfMs: number): void;
  /** Resolves once every lane's limits are in force (shared ones: written to Redis). */
  limitsReady(): Promise<void>;
  /** Waits for queued and running shadow calls (used at shutdown and in tests). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export interface ShadowDeps {
  readonly table: RouteTable;
  readonly workloads: readonly WorkloadRoutes[];
  readonly sink: ExchangeSink;
  readonly clock: Clock;
  readonly random: Random;
  readonly meter: Meter;
  readonly logger: FastifyBaseLogger;
  /** Defaults to the no-op tracer. */
  readonly tracer?: Tracer;
  /** Absent: each lane's limits hold in this process only. */
  readonly sharedLimits?: SharedLimits;
}

/** Past a shadow call's own timeout, how long its slots stay held if its router died mid-call. */
const sharedSlotSlackMs = 15_000;

/** What a shadow record takes from its primary: held for the whole call, so only this. */
type PrimaryRef = Pick<ExchangeRecord, 'record_id' | 'request_id' | 'api' | 'tenant' | 'workload' | 'feature' | 'session'>;

interface Target {
  readonly route: RouteRuntime;
  readonly kind: Exclude<ExchangeKind, 'primary'>;
  readonly lane: ShadowLane;
}

export function createShadowMirror(deps: ShadowDeps): ShadowMirror {
  const { clock, random } = deps;
  const tracer = deps.tracer ?? new ProxyTracerProvider().getTracer('warmpath');
  const caps = new Map(deps.workloads.map((w) => [w.workload.name, w.workload.shadow.daily_budget_usd]));
  const budget = new ShadowBudget(caps, (crossing) => {
    const level = crossing.state === 'normal' ? 'info' : 'warn';
    deps.logger[level]({ workload: crossing.workload, spent_usd: crossing.spentUsd, cap_usd: crossing.capUsd, state: crossing.state }, `shadow budget ${crossing.state === 'stopped' ? 'at 95%: shadow stopped until the next UTC day' : crossing.state === 'halved' ? 'at 80%: sample rate halved' : 'back to normal'}`);
  });
  const metrics: ShadowMetrics = createShadowMetrics(deps.meter, (observe) => {
    const now = clock.now();
    for (const w of deps.workloads) {
      observe(w.workload.name, budget.spentToday(w.workload.name, now), budgetStateValue[budget.state(w.workload.name, now)]);
    }
  });
  const targets = new Map<string, Target[]>();
  for (const w of deps.workloads) {
    const shadow = w.workload.shadow;
    const workload = w.workload.name;
    const laneFor = (route: RouteRuntime): ShadowLane =>
      new ShadowLane(
        { maxConcurrency: shadow.max_concurrency, maxRps: shadow.max_rps, queueSize: shadow.queue_size },
        {
          droppedAtStop: (calls) => metrics.dropped(workload, route.config.name, 'shutdown', calls),
          failed: (err) => deps.logger.error({ err, workload, route: route.config.name }, 'shadow call failed unexpectedly'),
          unavailable: (calls) => metrics.dropped(workload, route.config.name, 'limits_unavailable', calls),
        },
        deps.sharedLimits === undefined
          ? {}
          : { shared: { cluster: deps.sharedLimits.clusterOptions(`shadow:${workload}:${route.config.name}`), expirationMs: shadow.timeout_ms + sharedSlotSlackMs } },
      );
    targets.set(workload, [
      ...w.certified.map((route) => ({ route, kind: 'shadow' as const, lane: laneFor(route) })),
      { route: w.primary, kind: 'twin' as const, lane: laneFor(w.primary) },
    ]);
  }

  function dispatch(routes: WorkloadRoutes, request: ChatRequest, primary: PrimaryRef, target: Target, primarySpan: SpanContext | undefined): void {
    const workload = routes.workload.name;
    const route = target.route.config.name;
    const accepted = target.lane.offer(async () => {
      // Budget is checked again when the call actually goes out: queued calls may wait.
      if (budget.state(workload, clock.now()) === 'stopped') {
        metrics.dropped(workload, route, 'budget');
        return;
      }
      const span = startShadowSpan(tracer, primarySpan, target.route.provider.kind, target.route.config.model, route, target.kind, workload);
      const record = await shadowCall(routes, request, primary, target);
      endWithRecord(span, record);
      budget.add(workload, record.cost_usd, clock.now());
      metrics.call(workload, route, target.kind, record.outcome, record.latency_ms / 1000);
      deps.sink.write(record);
    });
    if (!accepted) metrics.dropped(workload, route, target.lane.stopped ? 'shutdown' : 'queue_full');
  }

  async function shadowCall(routes: WorkloadRoutes, request: ChatRequest, primary: PrimaryRef, target: Target): Promise<ExchangeRecord> {
    const startedAtMs = clock.now();
    const started = clock.monotonic();
    const stream = request.stream === true;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException('shadow call timed out', 'TimeoutError')), routes.workload.shadow.timeout_ms);
    const options = { model: target.route.config.model, signal: controller.signal };
    let answer: AnswerSummary | undefined;
    let problem: UpstreamFailure | undefined;
    let ttftMs: number | null = null;
    let outcome: ExchangeOutcome = 'ok';
    try {
      if (stream) {
        const result = await target.route.client.stream(request, options);
        if (result.ok) {
          ttftMs = clock.monotonic() - started;
          const accumulator = new StreamAccumulator();
          for (const event of result.head) accumulator.add(event.chunk);
          try {
            for await (const event of result.rest) accumulator.add(event.chunk);
          } catch (err) {
            problem = err instanceof UpstreamStreamError ? err.failure : failure('truncated', 200, String(err));
            outcome = 'truncated';
          }
          answer = accumulator.summary();
        } else problem = result.failure;
      } else {
        const result = await target.route.client.complete(request, options);
        if (result.ok) answer = summariseCompletion(result.completion);
        else problem = result.failure;
      }
    } catch (err) {
      problem = failure('malformed_response', 0, `provider client failed: ${String(err)}`);
    } finally {
      clearTimeout(timer);
    }
    if (problem !== undefined && outcome === 'ok') outcome = 'error';
    const latencyMs = clock.monotonic() - started;
    const errorClass: ErrorClass | null = problem === undefined ? null : outcome === 'truncated' ? 'truncated' : problem.errorClass;
    const status = problem === undefined ? 200 : problem.status;
    return buildRecord({
      recordId: randomUUID(),
      kind: target.kind,
      pairId: primary.record_id,
      requestId: primary.request_id,
      startedAtMs,
      tenant: primary.tenant,
      workload: primary.workload,
      feature: primary.feature,
      session: primary.session,
      route: target.route.config.name,
      provider: target.route.config.provider,
      model: target.route.config.model,
      api: primary.api,
      price: target.route.config.price,
      request,
      stream,
      status,
      outcome,
      errorClass,
      fallback: false,
      attempts: [{ route: target.route.config.name, attempt: 1, status, error_class: errorClass, latency_ms: round(latencyMs) }],
      latencyMs: round(latencyMs),
      ttftMs: ttftMs === null ? null : round(ttftMs),
      answer,
    });
  }

  return {
    afterPrimary(routes, request, primary, primarySpan) {
      const shadow = routes.workload.shadow;
      if (shadow.sample_rate <= 0 || primary.outcome !== 'ok' || primary.fallback) return;
      const workload = routes.workload.name;
      const rate = budget.effectiveRate(workload, shadow.sample_rate, clock.now());
      if (rate === 0) {
        metrics.skipped(workload, 'budget');
        return;
      }
      if (random() >= rate) return;
      const twin = shadow.noise_rate > 0 && random() < shadow.noise_rate;
      for (const refused of routes.refused) metrics.withheld(workload, refused.route, 'uncertified');
      // The calls outlive the primary's record by up to their timeout: they keep its ids.
      const ref: PrimaryRef = {
        record_id: primary.record_id,
        request_id: primary.request_id,
        api: primary.api,
        tenant: primary.tenant,
        workload: primary.workload,
        feature: primary.feature,
        session: primary.session,
      };
      // After the current I/O turn, so the primary's bytes are written first.
      setImmediate(() => {
        for (const target of targets.get(workload) ?? []) {
          if (target.kind === 'twin' && !twin) continue;
          dispatch(routes, request, ref, target, primarySpan);
        }
      });
    },
    spendToday: (workload) => budget.spentToday(workload, clock.now()),
    reconcileSpend: (storedUsd, dayStartMs, asOfMs) => budget.reconcile(storedUsd, dayStartMs, asOfMs, clock.now()),
    async limitsReady() {
      await Promise.all([...targets.values()].flat().map((t) => t.lane.ready));
    },
    async drain() {
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.all([...targets.values()].flat().map((t) => t.lane.idle()));
    },
    async stop() {
      await Promise.all([...targets.values()].flat().map((t) => t.lane.stop()));
    },
  };
}
