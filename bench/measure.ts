// One measurement: a load process against a target, plus the CPU each process involved
// used over the load's measured window.

import type { ClosedLoopGenerator, ClosedLoopResult, ClosedLoopSpec, OpenLoopResult, OpenLoopSpec, Percentiles, RequestSpec } from './load-spec.ts';
import type { CpuSampler } from './proc-stats.ts';
import { runJsonChild, type Child, type ProcessGroup } from './processes.ts';
import { benchScript, type Target } from './targets.ts';
import { findWrk, runWrkClosedLoop } from './wrk.ts';

export interface Measurement<R extends OpenLoopResult | ClosedLoopResult = OpenLoopResult | ClosedLoopResult> {
  readonly target: string;
  /** Each figure of a combined measurement is the median over its rounds. */
  readonly load: R;
  /** The proxy's CPU, % of one core; undefined for direct. */
  readonly targetCpuPct: number | undefined;
  /** The mock upstreams' CPU together. */
  readonly upstreamCpuPct: number | undefined;
  /** CPU used meanwhile by processes that are not the benchmark's (a shared machine). */
  readonly otherCpuPct: number | undefined;
  /** Set when the target process was gone after the run: how it ended and its last output. */
  readonly targetExited?: string;
  /** The runs' loads in the order they ran: one for a single run, one per round once combined. */
  readonly roundLoads: readonly R[];
}

/** A run whose answers were nearly all good: the only kind a figure is computed from. */
export function usable(m: Measurement | undefined): m is Measurement {
  return m !== undefined && m.load.ok > 0 && m.load.errors <= 0.01 * (m.load.ok + m.load.errors);
}

function exitNote(target: Target): Pick<Measurement, 'targetExited'> {
  const p = target.child?.process;
  if (p === undefined || (p.exitCode === null && p.signalCode === null)) return {};
  const tail = (target.child?.output() ?? '').trim().split('\n').slice(-8).join('\n');
  return { targetExited: `${target.name} exited (${p.signalCode ?? `code ${p.exitCode}`}); its last output:\n${tail}` };
}

export interface MeasureContext {
  readonly group: ProcessGroup;
  readonly sampler: CpuSampler;
  /** Upstream processes whose CPU is charged to "upstream". */
  readonly upstreams: readonly Child[];
  /** Runs before each load (waits for a quiet machine). */
  readonly beforeRun: () => Promise<void>;
  /**
   * Whether a run that other processes disturbed (other CPU over 25% of a core) is made
   * again, once; asked after the run, so it can spend a budget.
   */
  readonly mayRepeat: (m: Measurement) => boolean;
}

const disturbedPct = 25;

/** Runs `once`, and again when another user's load disturbed it and the context allows. */
async function undisturbed<M extends Measurement>(ctx: MeasureContext, once: () => Promise<M>): Promise<M> {
  const first = await once();
  if ((first.otherCpuPct ?? 0) <= disturbedPct || !ctx.mayRepeat(first)) return first;
  const second = await once();
  return (second.otherCpuPct ?? 0) < (first.otherCpuPct ?? 0) ? second : first;
}

export const chatBody = {
  model: 'bench',
  messages: [
    { role: 'system', content: 'You are a helpful support assistant for an online shop. Answer briefly.' },
    { role: 'user', content: 'Where is my order #12345? It was supposed to arrive on Monday.' },
  ],
  max_tokens: 200,
  temperature: 0.2,
};

export function requestFor(target: Target, stream: boolean): RequestSpec {
  return { url: target.url, headers: target.headers, body: JSON.stringify(stream ? { ...chatBody, stream: true } : chatBody) };
}

function cpuOf(ctx: MeasureContext, target: Target, from: number, to: number): Pick<Measurement, 'targetCpuPct' | 'upstreamCpuPct' | 'otherCpuPct'> {
  const targetCpuPct = target.child === undefined ? undefined : ctx.sampler.percent(target.child.pid, from, to);
  let upstreamCpuPct: number | undefined = 0;
  for (const u of ctx.upstreams) {
    const p = ctx.sampler.percent(u.pid, from, to);
    upstreamCpuPct = p === undefined || upstreamCpuPct === undefined ? undefined : upstreamCpuPct + p;
  }
  return { targetCpuPct, upstreamCpuPct, otherCpuPct: ctx.sampler.othersPercent(from, to) };
}

/**
 * Runs one load process against a target to its result: `open-loop`, or for a closed loop
 * wrk when it is installed (unless the spec asks for autocannon) and `closed-loop` else.
 */
export function runLoad<S extends OpenLoopSpec | ClosedLoopSpec>(
  group: ProcessGroup,
  target: Target,
  spec: S,
): Promise<S extends OpenLoopSpec ? OpenLoopResult : ClosedLoopResult> {
  type Result = S extends OpenLoopSpec ? OpenLoopResult : ClosedLoopResult;
  const kind = 'rate' in spec ? 'open-loop' : 'closed-loop';
  if (!('rate' in spec) && spec.generator !== 'autocannon') {
    const wrk = findWrk();
    if (wrk !== undefined) return runWrkClosedLoop(group, wrk, spec) as Promise<Result>;
    if (spec.generator === 'wrk') return Promise.reject(new Error('--generator wrk: wrk is not on PATH (apt-get install wrk)'));
  }
  return runJsonChild(group, `${kind} → ${target.name}`, benchScript(kind), spec, (spec.warmupS + spec.durationS + 30) * 1000);
}

/** One load run on a quiet machine, with the CPU of every process over its measured window. */
function measured<R extends OpenLoopResult | ClosedLoopResult>(ctx: MeasureContext, target: Target, run: () => Promise<R>): Promise<Measurement<R>> {
  return undisturbed(ctx, async () => {
    await ctx.beforeRun();
    const load = await run();
    ctx.sampler.sample();
    return { target: target.name, load, roundLoads: [load], ...cpuOf(ctx, target, load.windowStartMs, load.windowEndMs), ...exitNote(target) };
  });
}

export function openLoop(
  ctx: MeasureContext,
  target: Target,
  settings: { rate: number; warmupS: number; durationS: number; stream?: boolean },
): Promise<Measurement<OpenLoopResult>> {
  const spec: OpenLoopSpec = {
    ...requestFor(target, settings.stream === true),
    rate: settings.rate,
    warmupS: settings.warmupS,
    durationS: settings.durationS,
    connections: 256,
    timeoutMs: 10_000,
  };
  return measured(ctx, target, () => runLoad(ctx.group, target, spec));
}

export function closedLoop(
  ctx: MeasureContext,
  target: Target,
  settings: { connections: number; warmupS: number; durationS: number; generator?: ClosedLoopGenerator },
): Promise<Measurement<ClosedLoopResult>> {
  const spec: ClosedLoopSpec = { ...requestFor(target, false), ...settings };
  return measured(ctx, target, () => runLoad(ctx.group, target, spec));
}

export async function probe(target: Target): Promise<void> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: JSON.stringify(chatBody),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let ok = response.status === 200;
  try {
    ok &&= Array.isArray((JSON.parse(text) as { choices?: unknown }).choices);
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(`${target.name} did not answer a chat completion: ${response.status} ${text.slice(0, 300)}`);
}

// ---- rounds ----
// Runs of the same target are interleaved with the other targets' (round 1 of every target,
// then round 2, …) so that a slow spell of the shared machine hits all of them, and each
// figure is the median over the rounds.

/** Median of the finite values (mean of the middle two for an even count); NaN when none. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? (finite[mid] as number) : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2;
}

function medianOptional(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === 0 ? undefined : median(known);
}

function medianPercentiles(list: readonly Percentiles[]): Percentiles {
  return {
    p50: median(list.map((p) => p.p50)),
    p90: median(list.map((p) => p.p90)),
    p99: median(list.map((p) => p.p99)),
    max: Math.max(...list.map((p) => p.max)),
    mean: median(list.map((p) => p.mean)),
  };
}

function combineCommon<R extends OpenLoopResult | ClosedLoopResult>(rounds: readonly Measurement<R>[]) {
  const first = rounds[0];
  if (first === undefined) throw new Error('no rounds to combine');
  const exited = rounds.find((r) => r.targetExited !== undefined)?.targetExited;
  return {
    ...(exited === undefined ? {} : { targetExited: exited }),
    first,
    target: first.target,
    targetCpuPct: medianOptional(rounds.map((r) => r.targetCpuPct)),
    upstreamCpuPct: medianOptional(rounds.map((r) => r.upstreamCpuPct)),
    otherCpuPct: medianOptional(rounds.map((r) => r.otherCpuPct)),
    loads: rounds.map((r) => r.load),
  };
}

export function combineOpen(rounds: readonly Measurement<OpenLoopResult>[]): Measurement<OpenLoopResult> {
  const { first, loads, ...rest } = combineCommon(rounds);
  const load: OpenLoopResult = {
    kind: 'open',
    sent: loads.reduce((n, l) => n + l.sent, 0),
    ok: loads.reduce((n, l) => n + l.ok, 0),
    errors: loads.reduce((n, l) => n + l.errors, 0),
    errorSamples: loads.flatMap((l) => l.errorSamples).slice(0, 5),
    achievedRps: median(loads.map((l) => l.achievedRps)),
    latencyMs: medianPercentiles(loads.map((l) => l.latencyMs)),
    ttfbMs: medianPercentiles(loads.map((l) => l.ttfbMs)),
    sendLagMs: medianPercentiles(loads.map((l) => l.sendLagMs)),
    windowStartMs: first.load.windowStartMs,
    windowEndMs: Math.max(...loads.map((l) => l.windowEndMs)),
    generatorCpuPct: median(loads.map((l) => l.generatorCpuPct)),
  };
  return { ...rest, load, roundLoads: loads };
}

export function combineClosed(rounds: readonly Measurement<ClosedLoopResult>[]): Measurement<ClosedLoopResult> {
  const { first, loads, ...rest } = combineCommon(rounds);
  const load: ClosedLoopResult = {
    kind: 'closed',
    generator: first.load.generator,
    connections: first.load.connections,
    ok: loads.reduce((n, l) => n + l.ok, 0),
    errors: loads.reduce((n, l) => n + l.errors, 0),
    achievedRps: median(loads.map((l) => l.achievedRps)),
    latencyMs: medianPercentiles(loads.map((l) => l.latencyMs)),
    windowStartMs: first.load.windowStartMs,
    windowEndMs: Math.max(...loads.map((l) => l.windowEndMs)),
    generatorCpuPct: median(loads.map((l) => l.generatorCpuPct)),
  };
  return { ...rest, load, roundLoads: loads };
}
