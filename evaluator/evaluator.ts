// The evaluation loop: score newly stored shadow and twin answers against their primaries
// (with the optional embeddings and judge evidence, evaluator/evidence.ts), learn each
// workload's noise floor from the twins, assess every (workload, secondary) over its window,
// apply hysteresis, record and announce changes, publish the feed.

import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { systemRandom, type Clock, type Random } from '../core/clock.ts';
import { clickHouseTimeOf, parseClickHouseTime } from '../core/clickhouse-time.ts';
import { certify } from '../core/policy.ts';
import type { ProviderClients } from '../providers/index.ts';
import type { Config, EligibilityEntry, WorkloadConfig } from '../schemas/index.ts';
import type { AlertSender } from './alerts.ts';
import { assess, type Assessment, type RouteWindow } from './assessment.ts';
import { createParityAssist, logAssistCounts } from './assist.ts';
import { embeddingEvidence, judgeEvidence, preparePair, type PreparedPair } from './evidence.ts';
import { nextState, type RouteState } from './hysteresis.ts';
import { mapInSlices } from './slices.ts';
import { baselinesOf, parityOptions, windowMeasure, type Baselines, type PrimaryTypical } from './measures.ts';
import { clearlyWorse, meanSimilarity, scorePair, type NoiseBaseline, type PairEvidence } from './scorers/index.ts';
import {
  startOfTime,
  type CandidatePair,
  type EligibilityEventRow,
  type EvaluatorStore,
  type ParityRow,
  type Watermark,
} from './store.ts';

/** A shadow whose primary is not stored yet is waited for this long, then skipped. */
const orphanWaitMs = 5 * 60_000;
/**
 * Candidates are read and scored this many at a time. Under `warmpath start` the evaluator
 * shares the router's heap: a whole run's pairs with their contents (thousands at 200
 * req/s) made every young-generation collection during scoring copy them, 10–45 ms pauses.
 */
const pageSize = 500;

/** What the pages of one run share: the noise floor, the primaries' typical latency, judge calls. */
interface RunState {
  baselines: Map<string, Baselines> | undefined;
  typical: Map<string, PrimaryTypical> | undefined;
  readonly judgeCalls: Map<string, number>;
}
const excerptChars = 240;
const watermarkKey = 'watermark';
const lastRunKey = 'last_run';

export interface EvaluatorDeps {
  readonly config: Config;
  readonly store: EvaluatorStore;
  /** A FeedPublisher, or the evaluator thread's relay to the one in its host. */
  readonly publisher: { publish(routes: readonly EligibilityEntry[], nowMs: number): unknown };
  readonly alerts: AlertSender | undefined;
  readonly clock: Clock;
  readonly logger: FastifyBaseLogger;
  /** Clients of the embeddings and judge routes; created from `config` when needed and not given. */
  readonly clients?: ProviderClients;
  /** Decides which shadow pairs the judge sees; defaults to Math.random. */
  readonly random?: Random;
  /** Told the epoch ms of each completed run (the evaluator's thread reports it to its host). */
  readonly onRun?: (at: number) => void;
}

export interface RunSummary {
  readonly scored: number;
  readonly twins: number;
  readonly changes: number;
}

export interface Evaluator {
  /** Restores the watermark and the last known eligibility from the store. */
  restore(): Promise<void>;
  runOnce(): Promise<RunSummary>;
  /** Epoch ms of the last completed run, undefined before the first. */
  lastRun(): number | undefined;
  /** Runs every `evaluator.interval`; a failing run is logged and retried next interval. */
  start(): void;
  stop(): Promise<void>;
}

export function createEvaluator(deps: EvaluatorDeps): Evaluator {
  const { config, store, clock, logger } = deps;
  const workloads = Object.values(config.workloads);
  const windows = Object.fromEntries(workloads.map((w) => [w.name, w.parity.window_ms]));
  const states = new Map<string, RouteState>();
  let watermark: Watermark = startOfTime;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let lastRunAt: number | undefined;
  const assist = createParityAssist({ config, clients: deps.clients, clock, logger });
  const random = deps.random ?? systemRandom;

  function score(pair: PreparedPair, evidence: PairEvidence | undefined, noise: Baselines | undefined, typical?: ReadonlyMap<string, PrimaryTypical>): ParityRow {
    const c = pair.candidate;
    const options = parityOptions(pair.workload, noise, typical?.get(`${c.workload}\u0000${c.stream}`), config.evaluator.min_twins);
    const verdict = scorePair(pair.primary, pair.shadow, pair.pairRequest, options, evidence);
    return {
      record_id: c.record_id,
      pair_id: c.pair_id,
      kind: c.kind,
      ts: c.ts,
      workload: c.workload,
      route: c.route,
      primary_route: c.p_route,
      pass: verdict.pass,
      failing: verdict.failing,
      similarity: verdict.similarity,
      similarity_source: verdict.similaritySource,
      lexical_similarity: verdict.lexicalSimilarity,
      semantic_floor: verdict.semanticFloor,
      floor_source: verdict.floorSource,
      check_names: verdict.checks.map((x) => x.check),
      check_scores: verdict.checks.map((x) => x.score),
      check_passes: verdict.checks.map((x) => x.pass),
      check_details: verdict.checks.map((x) => x.detail),
      primary_latency_ms: c.p_latency_ms,
      shadow_latency_ms: c.latency_ms,
      primary_ttft_ms: c.p_ttft_ms,
      shadow_ttft_ms: c.ttft_ms,
      primary_output_tokens: c.p_output_tokens,
      shadow_output_tokens: c.output_tokens,
      primary_excerpt: pair.primaryText.slice(0, excerptChars),
      shadow_excerpt: pair.shadowText.slice(0, excerptChars),
      retention_days: c.retention_days,
    };
  }

  async function scoreNew(now: number): Promise<{ scored: number; twins: number }> {
    // Taken before reading: what is not visible by the end of the reads was inserted after it.
    const horizon = await store.insertHorizon();
    let cursor = watermark;
    // The saved watermark stops before a shadow whose primary is not stored yet, so the
    // next run reads it again; the cursor pages on past it.
    let next = watermark;
    let held = false;
    let read = 0;
    let scored = 0;
    let twins = 0;
    const run: RunState = { baselines: undefined, typical: undefined, judgeCalls: new Map() };
    const budget = config.evaluator.max_pairs_per_run;
    let readAll = false;
    while (read < budget) {
      const limit = Math.min(pageSize, budget - read);
      const candidates = await store.candidates(cursor, limit);
      read += candidates.length;
      readAll = candidates.length < limit;
      const ready: CandidatePair[] = [];
      for (const c of candidates) {
        const orphan = c.p_record_id === '';
        if (orphan && now - parseClickHouseTime(c.ts) < orphanWaitMs) held = true;
        cursor = { insertedAt: c.inserted_at, recordId: c.record_id };
        if (!held) next = cursor;
        // Only answered pairs are scored; failed shadow calls count in the route's health.
        if (!orphan && c.outcome === 'ok' && c.p_outcome === 'ok') ready.push(c);
      }
      const page = await scorePage(ready, now, run);
      scored += page.scored;
      twins += page.twins;
      if (candidates.length < limit) break;
    }
    if (assist !== undefined) logAssistCounts(logger, assist.takeCounts());
    // Everything up to the horizon was read and nothing is held back: the next run starts
    // there. Without this the watermark stays at the last shadow stored, and a workload that
    // has none read the whole table from its first row on every run.
    if (readAll && !held && next.insertedAt < horizon.insertedAt) next = horizon;
    if (next !== watermark) {
      watermark = next;
      await store.writeState(watermarkKey, JSON.stringify(watermark));
    }
    return { scored, twins };
  }

  async function scorePage(ready: readonly CandidatePair[], now: number, run: RunState): Promise<{ scored: number; twins: number }> {
    const prepared = (await mapInSlices(ready, (c) => preparePair(c, config.workloads))).filter((p) => p !== undefined);
    // Embeddings of twins and shadows in one pass: batched per workload, each record once.
    const embedded = await embeddingEvidence(assist, prepared);
    // Twins first: the noise floor the shadows are judged against includes this page's twins.
    const twinRows = await mapInSlices(
      prepared.filter((p) => p.candidate.kind === 'twin'),
      (p) => score(p, embedded.get(p.candidate.record_id), undefined),
    );
    await store.insertParity(twinRows);
    const shadows = prepared.filter((p) => p.candidate.kind === 'shadow');
    if (shadows.length === 0) return { scored: 0, twins: twinRows.length };
    const baselines = run.baselines === undefined || twinRows.length > 0 ? await noiseBaselines(now) : run.baselines;
    run.baselines = baselines;
    const typical = (run.typical ??= new Map(
      (await store.primaryLatency(now, windows)).map((t) => [`${t.workload}\u0000${t.stream}`, { latencyMs: t.latency_ms, ttftMs: t.ttft_ms ?? undefined }]),
    ));
    const judged = await judgeEvidence(assist, shadows, random, run.judgeCalls);
    const shadowRows = await mapInSlices(shadows, (p) => {
      const judge = judged.get(p.candidate.record_id);
      const evidence = { ...embedded.get(p.candidate.record_id), ...(judge === undefined ? {} : { judge }) };
      return score(p, evidence, baselines.get(p.workload.name), typical);
    });
    await store.insertParity(shadowRows);
    return { scored: shadowRows.length, twins: twinRows.length };
  }

  async function noiseBaselines(now: number): Promise<Map<string, Baselines>> {
    const found = await store.twinSimilarities(now, windows);
    return new Map(found.map((f) => [f.workload, baselinesOf(f)]));
  }

  async function assessAll(now: number): Promise<number> {
    const [verdicts, health, baselines] = await Promise.all([store.verdicts(now, windows), store.shadowHealth(now, windows), noiseBaselines(now)]);
    const key = (w: string, r: string): string => `${w}\u0000${r}`;
    const verdictOf = new Map(verdicts.map((v) => [key(v.workload, v.route), v]));
    const healthOf = new Map(health.map((h) => [key(h.workload, h.route), h]));
    const entries: EligibilityEntry[] = [];
    const events: EligibilityEventRow[] = [];
    for (const workload of workloads) {
      entries.push({
        workload: workload.name, route: workload.primary, role: 'primary', eligible: true, reasons: [],
        since: new Date(states.get(key(workload.name, workload.primary))?.since ?? now).toISOString(), warmth: {}, parity: {},
      });
      for (const route of workload.secondaries) {
        const v = verdictOf.get(key(workload.name, route));
        const h = healthOf.get(key(workload.name, route));
        const failuresByCheck: Record<string, number> = {};
        v?.failing_keys.forEach((k, i) => (failuresByCheck[k] = Number(v.failing_counts[i] ?? 0)));
        const { source, noise, similarities } = windowMeasure(workload, baselines.get(workload.name), v, config.evaluator.min_twins);
        const usableNoise = noise !== undefined && noise.twins >= config.evaluator.min_twins ? noise : undefined;
        const worse = usableNoise !== undefined && v !== undefined ? clearlyWorse(usableNoise, similarities) : undefined;
        const window: RouteWindow = {
          shadowCalls: h?.calls ?? 0,
          shadowErrors: h?.errors ?? 0,
          pairs: v?.pairs ?? 0,
          passes: v?.passes ?? 0,
          failuresByCheck,
          newestPairAgeMs: v === undefined ? undefined : Math.max(0, now - parseClickHouseTime(v.newest)),
          similaritySource: source,
          similarityMean: meanSimilarity(similarities),
          semanticWorse: worse,
          noiseFloor: usableNoise?.floor,
        };
        const policy = config.routes[route]?.policy;
        const assessment = assess(policy === undefined ? { certified: false, refusals: ['unknown route'] } : certify(workload.requires, policy), window, workload.parity);
        const previous = states.get(key(workload.name, route));
        const transition = nextState(previous, assessment.eligible, workload.parity.enter_after, now);
        states.set(key(workload.name, route), transition.state);
        const waitingReason =
          assessment.eligible && !transition.state.eligible
            ? [`re-entering: ${transition.state.passStreak} of ${workload.parity.enter_after} passing evaluations`]
            : [];
        entries.push(entry(workload, route, transition.state, [...assessment.reasons, ...waitingReason], window, assessment, noise));
        if (transition.changed) events.push(event(workload.name, route, transition.state.eligible, assessment, window, now));
      }
    }
    await store.insertEvents(events);
    for (const e of events) {
      logger[e.eligible ? 'info' : 'warn']({ workload: e.workload, route: e.route, reasons: e.reasons }, e.eligible ? 'route became eligible' : 'route lost eligibility');
      deps.alerts?.send({
        type: 'eligibility_changed', ts: new Date(now).toISOString(), workload: e.workload, route: e.route, eligible: e.eligible,
        reasons: e.reasons, pass_rate: e.pass_rate, lower_bound: e.lower_bound, samples: e.samples,
      });
    }
    deps.publisher.publish(entries, now);
    return events.length;
  }

  function entry(workload: WorkloadConfig, route: string, state: RouteState, reasons: string[], w: RouteWindow, a: Assessment, noise: NoiseBaseline | undefined): EligibilityEntry {
    return {
      workload: workload.name,
      route,
      role: 'secondary',
      eligible: state.eligible,
      reasons,
      since: new Date(state.since).toISOString(),
      warmth: {
        samples: w.pairs,
        window_s: workload.parity.window_ms / 1000,
        newest_sample_age_s: w.newestPairAgeMs === undefined ? null : Math.round(w.newestPairAgeMs / 1000),
        shadow_calls: w.shadowCalls,
        error_rate: a.errorRate ?? null,
      },
      parity: {
        pass_rate: a.passRate ?? null,
        lower_bound: a.lowerBound ?? null,
        min_pass_rate: workload.parity.min_pass_rate,
        noise_floor: w.noiseFloor ?? null,
        twins: noise?.twins ?? 0,
        similarity_source: w.similaritySource,
        similarity_mean: w.similarityMean ?? null,
        failing_checks: a.failingChecks,
      },
    };
  }

  function event(workload: string, route: string, eligible: boolean, a: Assessment, w: RouteWindow, now: number): EligibilityEventRow {
    return {
      event_id: randomUUID(), ts: clickHouseTimeOf(now), workload, route, eligible, reasons: eligible ? [] : a.reasons, samples: w.pairs,
      pass_rate: a.passRate ?? null, lower_bound: a.lowerBound ?? null, noise_floor: w.noiseFloor ?? null,
      similarity_source: w.similaritySource, failing_checks: a.failingChecks,
    };
  }

  // Runs never overlap: a run asked for while one is going waits for it.
  let chain: Promise<unknown> = Promise.resolve();
  function runOnce(): Promise<RunSummary> {
    const run = chain.then(runNow, runNow);
    chain = run.catch(() => undefined);
    return run;
  }

  async function runNow(): Promise<RunSummary> {
    const now = clock.now();
    const { scored, twins } = await scoreNew(now);
    const changes = await assessAll(now);
    // A heartbeat the dashboards' "feed stale" alert reads.
    await store.writeState(lastRunKey, clickHouseTimeOf(now));
    lastRunAt = now;
    deps.onRun?.(now);
    return { scored, twins, changes };
  }

  return {
    async restore() {
      const saved = await store.readState(watermarkKey);
      if (saved !== undefined) watermark = JSON.parse(saved) as Watermark;
      for (const e of await store.latestEvents()) {
        const enterAfter = config.workloads[e.workload]?.parity.enter_after ?? 1;
        states.set(`${e.workload}\u0000${e.route}`, { eligible: e.eligible, since: parseClickHouseTime(e.changed_at), passStreak: e.eligible ? enterAfter : 0 });
      }
    },
    runOnce,
    lastRun: () => lastRunAt,
    start() {
      const tick = (): void => {
        running = runOnce()
          .catch((err: unknown) => logger.error({ err }, 'evaluation failed; retrying next interval'))
          .finally(() => {
            running = undefined;
            if (timer !== undefined) timer = setTimeout(tick, config.evaluator.interval_ms);
          });
      };
      timer = setTimeout(tick, 0);
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      // Embeddings and judge calls of a run in progress are cut short; its pairs fall back.
      const closing = assist?.close();
      await running;
      await closing;
    },
  };
}
