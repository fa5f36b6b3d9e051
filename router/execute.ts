// One client request's way through its routes: the primary with bounded, jittered retries
// that honour Retry-After, then (unless the workload fails closed) each secondary of the
// failover chain once. Deterministic failures stop everything and are returned as they are.
// A request drawn into a drill (router/drill.ts) tries the drill's routes first.

import type { Context, Tracer } from '@opentelemetry/api';
import { sleep, type Clock, type Random } from '../core/clock.ts';
import { failure } from '../providers/index.ts';
import type { CompletionResult, StreamResult, UpstreamFailure } from '../providers/index.ts';
import type { ChatRequest, ExchangeAttempt } from '../schemas/index.ts';
import type { Drill, DrillPass } from './drill.ts';
import type { EligibilitySnapshot } from './eligibility.ts';
import type { RouterMetrics } from './metrics.ts';
import type { RouteRuntime, WorkloadRoutes } from './route-table.ts';
import { endAttemptSpan, startAttemptSpan } from './tracing.ts';

export type Answer =
  | { readonly stream: false; readonly result: Extract<CompletionResult, { ok: true }> }
  | { readonly stream: true; readonly result: Extract<StreamResult, { ok: true }> };

export interface Execution {
  readonly attempts: readonly ExchangeAttempt[];
  /** The route that answered, or the last one tried. */
  readonly route: RouteRuntime;
  readonly fallback: boolean;
  readonly answer: Answer | undefined;
  readonly failure: UpstreamFailure | undefined;
}

export interface ExecutionContext {
  readonly request: ChatRequest;
  readonly stream: boolean;
  readonly routes: WorkloadRoutes;
  readonly eligibility: EligibilitySnapshot;
  /** Aborted when the client goes away. */
  readonly clientSignal: AbortSignal;
  /**
   * The attempt in flight, which whoever sees the client go away aborts along with
   * `clientSignal`: a field to set, where a listener on the signal would be added and
   * removed on every attempt.
   */
  readonly inFlight: { attempt: AbortController | undefined };
  readonly clock: Clock;
  readonly random: Random;
  readonly metrics: RouterMetrics;
  readonly tracer: Tracer;
  /** The request span's context: attempt spans are its children. */
  readonly parent: Context;
}

/** The failover chain: certified secondaries the evaluator currently holds eligible. */
export function failoverChain(routes: WorkloadRoutes, eligibility: EligibilitySnapshot): RouteRuntime[] {
  if (routes.workload.on_primary_failure === 'fail_closed') return [];
  return routes.certified.filter((r) => eligibility.isEligible(routes.workload.name, r.config.name));
}

/**
 * `attempts` and `triedInDrill` carry what a drill already did with this request: the
 * failover chain then skips the drill routes that just failed it.
 */
export async function execute(ctx: ExecutionContext, attempts: ExchangeAttempt[] = [], triedInDrill?: readonly RouteRuntime[]): Promise<Execution> {
  const { workload, primary } = ctx.routes;
  const retry = workload.retry;
  let last: UpstreamFailure | undefined;

  for (let i = 1; i <= retry.attempts; i++) {
    const outcome = await attempt(ctx, primary, attempts);
    if (outcome.answer !== undefined) return { attempts, route: primary, fallback: false, answer: outcome.answer, failure: undefined };
    last = outcome.failure;
    if (!last.retryable || last.errorClass === 'breaker_open') {
      if (!last.retryable) return { attempts, route: primary, fallback: false, answer: undefined, failure: last };
      break;
    }
    if (i === retry.attempts) break;
    const wait = retryWait(last, i, retry.backoff_ms, Math.min(retry.max_retry_after_ms, retry.timeout_ms), ctx.random);
    if (wait === undefined) break;
    ctx.metrics.retry(workload.name, primary.config.name);
    try {
      await sleep(wait, ctx.clientSignal);
    } catch {
      return { attempts, route: primary, fallback: false, answer: undefined, failure: failure('cancelled', 0, 'client went away') };
    }
  }

  let route = primary;
  for (const secondary of failoverChain(ctx.routes, ctx.eligibility)) {
    if (ctx.clientSignal.aborted) break;
    if (triedInDrill?.includes(secondary) === true) continue;
    route = secondary;
    const outcome = await attempt(ctx, secondary, attempts);
    if (outcome.answer !== undefined) {
      ctx.metrics.failover(workload.name, primary.config.name, secondary.config.name);
      return { attempts, route, fallback: true, answer: outcome.answer, failure: undefined };
    }
    last = outcome.failure;
    if (!last.retryable) return { attempts, route, fallback: true, answer: undefined, failure: last };
  }
  return { attempts, route, fallback: route !== primary, answer: undefined, failure: last };
}

/**
 * A request drawn into `drill`: the drill's routes that are eligible right now, in order,
 * each once, before the primary; the first answer is served as a failover's would be. When
 * none answers (a deterministic failure included: the secondary's answer is what is under
 * test, the request may be fine) or none is eligible, the request goes on to the primary with
 * its usual retries, so a drill never fails a request the primary could have served. What
 * happened is written to `pass`.
 */
export async function executeInDrill(ctx: ExecutionContext, drill: Drill, pass: DrillPass): Promise<Execution> {
  const attempts: ExchangeAttempt[] = [];
  const tried: RouteRuntime[] = [];
  const workload = ctx.routes.workload.name;
  for (const route of drill.candidates) {
    if (ctx.clientSignal.aborted) {
      pass.cancelled = true;
      return { attempts, route: ctx.routes.primary, fallback: false, answer: undefined, failure: failure('cancelled', 0, 'client went away') };
    }
    const name = route.config.name;
    if (!ctx.eligibility.isEligible(workload, name)) {
      pass.skipped.push(name);
      continue;
    }
    tried.push(route);
    const outcome = await attempt(ctx, route, attempts);
    if (outcome.answer !== undefined) {
      pass.attempts.push({ route: name, errorClass: null });
      pass.servedBy = name;
      return { attempts, route, fallback: true, answer: outcome.answer, failure: undefined };
    }
    if (outcome.failure.errorClass === 'cancelled') {
      pass.cancelled = true;
      return { attempts, route, fallback: true, answer: undefined, failure: outcome.failure };
    }
    pass.attempts.push({ route: name, errorClass: outcome.failure.errorClass });
  }
  return execute(ctx, attempts, tried);
}

/**
 * How long to wait before try `n + 1`: Retry-After when the upstream sent one (undefined,
 * meaning "stop retrying", when it exceeds `limitMs`), else full-jitter exponential backoff.
 */
export function retryWait(last: UpstreamFailure, n: number, backoffMs: number, limitMs: number, random: Random): number | undefined {
  if (last.retryAfterMs !== undefined) return last.retryAfterMs > limitMs ? undefined : last.retryAfterMs;
  return Math.min(limitMs, Math.round(backoffMs * 2 ** (n - 1) * random()));
}

const timeoutReason = (): DOMException => new DOMException('upstream attempt timed out', 'TimeoutError');

async function attempt(
  ctx: ExecutionContext,
  route: RouteRuntime,
  attempts: ExchangeAttempt[],
): Promise<{ answer: Answer; failure?: undefined } | { answer?: undefined; failure: UpstreamFailure }> {
  const name = route.config.name;
  if (!route.breaker.tryAcquire()) {
    attempts.push({ route: name, attempt: attempts.length + 1, status: 0, error_class: 'breaker_open', latency_ms: 0 });
    return { failure: failure('breaker_open', 0, `circuit breaker open for route ${name}`) };
  }
  const span = startAttemptSpan(ctx.tracer, ctx.parent, route.provider.kind, route.config.model, name, attempts.length + 1);
  const controller = new AbortController();
  if (ctx.clientSignal.aborted) controller.abort(ctx.clientSignal.reason);
  ctx.inFlight.attempt = controller;
  const timer = setTimeout(() => controller.abort(timeoutReason()), ctx.routes.workload.retry.timeout_ms);
  const started = ctx.clock.monotonic();
  const options = { model: route.config.model, signal: controller.signal };
  let result: CompletionResult | StreamResult;
  try {
    result = ctx.stream ? await route.client.stream(ctx.request, options) : await route.client.complete(ctx.request, options);
  } catch (cause) {
    // A client must classify its own failures; reaching here is a bug, still never a crash.
    result = { ok: false, failure: failure('malformed_response', 0, `provider client failed: ${String(cause)}`) };
  } finally {
    clearTimeout(timer);
  }
  const latencyMs = ctx.clock.monotonic() - started;
  // A stream's body flows on under this attempt's signal.
  if (!ctx.stream || !result.ok) ctx.inFlight.attempt = undefined;
  const errorClass = result.ok ? null : result.failure.errorClass;
  attempts.push({
    route: name,
    attempt: attempts.length + 1,
    status: result.ok ? 200 : result.failure.status,
    error_class: errorClass,
    latency_ms: round(latencyMs),
  });
  ctx.metrics.attempt(name, errorClass, latencyMs / 1000);
  endAttemptSpan(span, result.ok ? 200 : result.failure.status, errorClass);
  if (result.ok) {
    route.breaker.recordSuccess();
    return { answer: ctx.stream ? { stream: true, result: result as Extract<StreamResult, { ok: true }> } : { stream: false, result: result as Extract<CompletionResult, { ok: true }> } };
  }
  if (result.failure.errorClass === 'cancelled') route.breaker.release();
  else if (result.failure.retryable) route.breaker.recordFailure();
  else route.breaker.recordSuccess();
  return { failure: result.failure };
}

export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
