// Scheduled failover drills: for a pre-announced window a share of a workload's real
// requests skips the primary and is served by a secondary, so the team rehearses the failover
// path with real users, safely (a drill route that does not answer hands the request back to
// the primary). Shadow traffic is the continuous version; a drill is the rehearsal.
//
// The board keeps at most one active drill per workload and the last `keepEnded` ended ones,
// in this process's memory. Time and randomness are injected; the request path pays one
// `size` check per request while no drill runs.

import { randomUUID } from 'node:crypto';
import type { Clock, Random } from '../core/clock.ts';
import { formatDuration } from '../core/durations.ts';
import { WarmpathError } from '../core/errors.ts';
import type { ErrorClass, ExchangeOutcome } from '../schemas/index.ts';
import { everyCertifiedRouteEligible, type EligibilitySource } from './eligibility.ts';
import type { RouteRuntime, WorkloadRoutes } from './route-table.ts';

export const drillLimits = {
  defaultShare: 0.1,
  defaultDurationMs: 5 * 60_000,
  minDurationMs: 1000,
  maxDurationMs: 24 * 3_600_000,
  keepEnded: 20,
  reservoirSize: 10_000,
  /** A drill passes when its routes failed at most this share of their attempts. */
  maxFailedAttemptRate: 0.05,
} as const;

/** The drill durations the admin API and the CLI accept, as their messages and help name them. */
export const drillDurationRange = `${formatDuration(drillLimits.minDurationMs)} and ${drillLimits.maxDurationMs / 3_600_000}h`;

/** What is wrong with a drill's share, or undefined; the admin API and the CLI say the same. */
export function drillShareProblem(share: number): string | undefined {
  return share > 0 && share <= 1 ? undefined : 'must be a number > 0 and <= 1';
}

/** What is wrong with a drill's duration, or undefined; the admin API and the CLI say the same. */
export function drillDurationProblem(durationMs: number): string | undefined {
  const fits = Number.isInteger(durationMs) && durationMs >= drillLimits.minDurationMs && durationMs <= drillLimits.maxDurationMs;
  return fits ? undefined : `must be between ${drillDurationRange}`;
}

export type DrillEndReason = 'elapsed' | 'stopped';

export interface DrillSpec {
  readonly workload: string;
  /** One secondary to drill; without it, the workload's failover chain in order. */
  readonly route?: string | undefined;
  readonly share?: number | undefined;
  readonly durationMs?: number | undefined;
}

export interface LatencySummary {
  /** Requests counted on this side (drill: drawn requests that tried a drill route). */
  readonly requests: number;
  /** Latency samples kept (successful answers only; a reservoir beyond its size). */
  readonly samples: number;
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
  /** Share of `requests` the routes under test did not answer well; null without requests. */
  readonly error_rate: number | null;
}

export interface DrillRouteStats {
  readonly route: string;
  readonly attempts: number;
  readonly served: number;
  /** Attempts that did not answer, plus served streams that broke after they started. */
  readonly failed: number;
  readonly failed_by_error_class: Readonly<Record<string, number>>;
  /** Drawn requests on which this route was passed over: not eligible at that moment. */
  readonly skipped_ineligible: number;
}

export interface DrillStats {
  /** Drawn requests that have finished (in-flight ones are counted when they end). */
  readonly drawn: number;
  readonly served_by_drill: number;
  /** Drawn requests no drill route answered: the primary took them over. */
  readonly fell_back: number;
  /** `fell_back` by the error class of the last drill attempt. */
  readonly fell_back_by_error_class: Readonly<Record<string, number>>;
  /** Drawn requests on which no drill route was eligible: straight to the primary. */
  readonly skipped_ineligible: number;
  /** Drawn requests that ended in an error for the client (whoever served them). */
  readonly client_errors: number;
  /** Drawn requests whose client went away before an answer. */
  readonly cancelled: number;
  readonly failed_attempt_rate: number | null;
  readonly routes: readonly DrillRouteStats[];
  /** Drill-served requests. */
  readonly drill: LatencySummary;
  /** The same workload's requests not drawn during the window, as served by the primary. */
  readonly baseline: LatencySummary;
}

export interface DrillVerdict {
  readonly passed: boolean;
  readonly reasons: readonly string[];
}

export interface DrillReport {
  readonly id: string;
  readonly workload: string;
  /** The route asked for; null when the drill runs the failover chain. */
  readonly route: string | null;
  /** The drill's candidates, in the order they are tried. */
  readonly routes: readonly string[];
  readonly share: number;
  readonly duration: string;
  readonly started_at: string;
  readonly ends_at: string;
  readonly ended_at: string | null;
  readonly end_reason: DrillEndReason | null;
  readonly active: boolean;
  /**
   * While the drill runs: its routes the evaluator does not hold eligible at the moment of
   * the report. Drawn requests pass them over (to the primary when none is left).
   */
  readonly ineligible_now: readonly string[];
  readonly stats: DrillStats;
  /** Provisional while the drill runs. */
  readonly verdict: DrillVerdict;
}

export type DrillOutcome = 'served' | 'fell_back' | 'skipped_ineligible' | 'cancelled';

/** What one drawn request did on the drill's routes; filled by the execution, read at the end. */
export class DrillPass {
  readonly attempts: { readonly route: string; readonly errorClass: ErrorClass | null }[] = [];
  readonly skipped: string[] = [];
  servedBy: string | undefined = undefined;
  cancelled = false;

  get outcome(): DrillOutcome {
    if (this.servedBy !== undefined) return 'served';
    if (this.cancelled) return 'cancelled';
    return this.attempts.length === 0 ? 'skipped_ineligible' : 'fell_back';
  }

  /** The drill route the request ended on: the one that served, else the last tried, else the first skipped. */
  get route(): string {
    return this.servedBy ?? this.attempts.at(-1)?.route ?? this.skipped[0] ?? '';
  }
}

/** Algorithm R: a uniform sample of at most `size` values, whatever the count seen. */
class LatencyReservoir {
  readonly #size: number;
  readonly #random: Random;
  readonly #samples: number[] = [];
  #seen = 0;

  constructor(size: number, random: Random) {
    this.#size = size;
    this.#random = random;
  }

  add(ms: number): void {
    this.#seen += 1;
    if (this.#samples.length < this.#size) this.#samples.push(ms);
    else {
      const slot = Math.floor(this.#random() * this.#seen);
      if (slot < this.#size) this.#samples[slot] = ms;
    }
  }

  get count(): number {
    return this.#samples.length;
  }

  /** Nearest-rank percentiles, in milliseconds rounded to 0.1. */
  percentiles(): { p50: number | null; p95: number | null } {
    if (this.#samples.length === 0) return { p50: null, p95: null };
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const at = (p: number): number => Math.round((sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number) * 10) / 10;
    return { p50: at(0.5), p95: at(0.95) };
  }
}

class RouteTally {
  attempts = 0;
  served = 0;
  failed = 0;
  skipped = 0;
  readonly failedByClass = new Map<string, number>();

  fail(errorClass: string): void {
    this.failed += 1;
    bump(this.failedByClass, errorClass);
  }
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000);

/** One drill: its plan, and the stats its requests write as they end. */
export class Drill {
  readonly id: string;
  readonly workload: string;
  readonly route: string | undefined;
  /** Tried in this order, each once, those eligible at the request's moment. */
  readonly candidates: readonly RouteRuntime[];
  readonly share: number;
  readonly startedAt: number;
  readonly endsAt: number;
  endedAt: number | undefined = undefined;
  endReason: DrillEndReason | undefined = undefined;

  readonly #random: Random;
  readonly #routes = new Map<string, RouteTally>();
  readonly #fellBackByClass = new Map<string, number>();
  readonly #drillLatency: LatencyReservoir;
  readonly #baselineLatency: LatencyReservoir;
  #drawn = 0;
  #served = 0;
  #fellBack = 0;
  #skipped = 0;
  #clientErrors = 0;
  #cancelled = 0;
  /** Drawn requests a drill route did not serve well (of those that tried one: served + fell back). */
  #drillFailures = 0;
  #baselineRequests = 0;
  #baselineFailures = 0;

  constructor(plan: { id: string; workload: string; route: string | undefined; candidates: readonly RouteRuntime[]; share: number; startedAt: number; endsAt: number }, random: Random, reservoirSize: number) {
    this.id = plan.id;
    this.workload = plan.workload;
    this.route = plan.route;
    this.candidates = plan.candidates;
    this.share = plan.share;
    this.startedAt = plan.startedAt;
    this.endsAt = plan.endsAt;
    this.#random = random;
    for (const c of plan.candidates) this.#routes.set(c.config.name, new RouteTally());
    this.#drillLatency = new LatencyReservoir(reservoirSize, random);
    this.#baselineLatency = new LatencyReservoir(reservoirSize, random);
  }

  /** One draw against `share`: whether this request goes to the drill's routes first. */
  draw(): boolean {
    return this.#random() < this.share;
  }

  /** A drawn request ended: `outcome`, `errorClass` and `latencyMs` are what its client got. */
  recordDrawn(pass: DrillPass, outcome: ExchangeOutcome, errorClass: ErrorClass | null, latencyMs: number): void {
    this.#drawn += 1;
    for (const name of pass.skipped) (this.#routes.get(name) as RouteTally).skipped += 1;
    for (const a of pass.attempts) {
      const tally = this.#routes.get(a.route) as RouteTally;
      tally.attempts += 1;
      if (a.errorClass === null) tally.served += 1;
      else tally.fail(a.errorClass);
    }
    // A client that went away tells nothing about the routes.
    const clientLeft = pass.cancelled || errorClass === 'cancelled';
    if (clientLeft) this.#cancelled += 1;
    else if (outcome !== 'ok') this.#clientErrors += 1;
    switch (pass.outcome) {
      case 'served':
        this.#served += 1;
        if (outcome === 'ok') this.#drillLatency.add(latencyMs);
        else if (!clientLeft) {
          // A stream the drill route started, then broke: the route failed the client.
          this.#drillFailures += 1;
          (this.#routes.get(pass.servedBy as string) as RouteTally).fail(errorClass ?? 'truncated');
        }
        break;
      case 'fell_back':
        this.#fellBack += 1;
        this.#drillFailures += 1;
        bump(this.#fellBackByClass, pass.attempts.at(-1)?.errorClass ?? 'unknown');
        break;
      case 'skipped_ineligible':
        this.#skipped += 1;
        break;
      case 'cancelled':
        break;
    }
  }

  /** A request of the workload that was not drawn ended during the window. */
  recordBaseline(servedByPrimary: boolean, outcome: ExchangeOutcome, errorClass: ErrorClass | null, latencyMs: number): void {
    if (errorClass === 'cancelled') return;
    this.#baselineRequests += 1;
    if (servedByPrimary && outcome === 'ok') this.#baselineLatency.add(latencyMs);
    else this.#baselineFailures += 1;
  }

  get active(): boolean {
    return this.endedAt === undefined;
  }

  /** `ineligibleNow`: its routes not eligible at this moment (the board asks while the drill runs). */
  report(ineligibleNow: readonly string[] = []): DrillReport {
    const routes: DrillRouteStats[] = this.candidates.map((c) => {
      const t = this.#routes.get(c.config.name) as RouteTally;
      return { route: c.config.name, attempts: t.attempts, served: t.served, failed: t.failed, failed_by_error_class: Object.fromEntries(t.failedByClass), skipped_ineligible: t.skipped };
    });
    const attempts = routes.reduce((n, r) => n + r.attempts, 0);
    const failed = routes.reduce((n, r) => n + r.failed, 0);
    const drillRequests = this.#served + this.#fellBack;
    const drill = this.#drillLatency.percentiles();
    const baseline = this.#baselineLatency.percentiles();
    const stats: DrillStats = {
      drawn: this.#drawn,
      served_by_drill: this.#served,
      fell_back: this.#fellBack,
      fell_back_by_error_class: Object.fromEntries(this.#fellBackByClass),
      skipped_ineligible: this.#skipped,
      client_errors: this.#clientErrors,
      cancelled: this.#cancelled,
      failed_attempt_rate: ratio(failed, attempts),
      routes,
      drill: { requests: drillRequests, samples: this.#drillLatency.count, p50_ms: drill.p50, p95_ms: drill.p95, error_rate: ratio(this.#drillFailures, drillRequests) },
      baseline: {
        requests: this.#baselineRequests,
        samples: this.#baselineLatency.count,
        p50_ms: baseline.p50,
        p95_ms: baseline.p95,
        error_rate: ratio(this.#baselineFailures, this.#baselineRequests),
      },
    };
    return {
      id: this.id,
      workload: this.workload,
      route: this.route ?? null,
      routes: this.candidates.map((c) => c.config.name),
      share: this.share,
      duration: formatDuration(this.endsAt - this.startedAt),
      started_at: new Date(this.startedAt).toISOString(),
      ends_at: new Date(this.endsAt).toISOString(),
      ended_at: this.endedAt === undefined ? null : new Date(this.endedAt).toISOString(),
      end_reason: this.endReason ?? null,
      active: this.active,
      ineligible_now: ineligibleNow,
      stats,
      verdict: drillVerdict(stats, failed, attempts),
    };
  }
}

/** Passed: a drill route served at least one request, and drill routes failed ≤ 5% of their attempts. */
export function drillVerdict(
  stats: Pick<DrillStats, 'drawn' | 'served_by_drill' | 'fell_back' | 'skipped_ineligible'>,
  failedAttempts: number,
  attempts: number,
): DrillVerdict {
  const reasons: string[] = [];
  if (stats.drawn === 0) reasons.push('no request was drawn into the drill (was there traffic on the workload?)');
  else if (stats.served_by_drill === 0) {
    reasons.push(
      `no request was served by a drill route (${stats.drawn} drawn: ${stats.fell_back} fell back to the primary, ${stats.skipped_ineligible} found no drill route eligible)`,
    );
  }
  const rate = attempts === 0 ? 0 : failedAttempts / attempts;
  if (rate > drillLimits.maxFailedAttemptRate) {
    reasons.push(`drill routes failed ${failedAttempts} of ${attempts} attempts (${(rate * 100).toFixed(1)}% > ${drillLimits.maxFailedAttemptRate * 100}%)`);
  }
  return { passed: reasons.length === 0, reasons };
}

export interface DrillBoardOptions {
  readonly workloads: readonly WorkloadRoutes[];
  readonly clock: Clock;
  readonly random: Random;
  /** Ended drills kept for GET /v1/drills (default 20). */
  readonly keepEnded?: number;
  /** Latency samples kept per side of a drill (default 10,000). */
  readonly reservoirSize?: number;
  /** Drill ids; randomUUID by default. */
  readonly newId?: () => string;
  /** What the router's failover decisions read, to say which drill routes are not eligible now. */
  readonly eligibility?: EligibilitySource;
}

export class DrillBoard {
  readonly #workloads: ReadonlyMap<string, WorkloadRoutes>;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #keepEnded: number;
  readonly #reservoirSize: number;
  readonly #newId: () => string;
  readonly #eligibility: EligibilitySource;
  readonly #active = new Map<string, Drill>();
  /** Newest first. */
  readonly #ended: Drill[] = [];

  constructor(options: DrillBoardOptions) {
    this.#workloads = new Map(options.workloads.map((w) => [w.workload.name, w]));
    this.#clock = options.clock;
    this.#random = options.random;
    this.#keepEnded = options.keepEnded ?? drillLimits.keepEnded;
    this.#reservoirSize = options.reservoirSize ?? drillLimits.reservoirSize;
    this.#newId = options.newId ?? randomUUID;
    this.#eligibility = options.eligibility ?? everyCertifiedRouteEligible;
  }

  /**
   * The request path's question: the drill running on `workload` now, if any. While no drill
   * runs anywhere this is one `size` check: no lookup, no clock read, no allocation.
   */
  activeFor(workload: string): Drill | undefined {
    if (this.#active.size === 0) return undefined;
    const drill = this.#active.get(workload);
    if (drill === undefined) return undefined;
    if (this.#clock.now() < drill.endsAt) return drill;
    this.#end(drill, 'elapsed', drill.endsAt);
    return undefined;
  }

  /** Starts a drill, or refuses with a WarmpathError whose `code` says why. */
  start(spec: DrillSpec): DrillReport {
    const share = spec.share ?? drillLimits.defaultShare;
    const durationMs = spec.durationMs ?? drillLimits.defaultDurationMs;
    const shareProblem = drillShareProblem(share);
    if (shareProblem !== undefined) throw new WarmpathError('RTR_DRILL_INVALID', `share ${shareProblem}, got ${share}`, { param: 'share' });
    const durationProblem = drillDurationProblem(durationMs);
    if (durationProblem !== undefined) {
      throw new WarmpathError('RTR_DRILL_INVALID', `duration ${durationProblem}, got ${Number.isFinite(durationMs) ? formatDuration(durationMs) : String(durationMs)}`, { param: 'duration' });
    }
    const routes = this.#workloads.get(spec.workload);
    if (routes === undefined) {
      throw new WarmpathError('RTR_UNKNOWN_WORKLOAD', `"${spec.workload}" (workloads: ${[...this.#workloads.keys()].join(', ')})`, { param: 'workload' });
    }
    const { workload } = routes;
    if (workload.on_primary_failure === 'fail_closed') {
      throw new WarmpathError('RTR_DRILL_FAIL_CLOSED', `workload "${workload.name}" has on_primary_failure: fail_closed`, { param: 'workload' });
    }
    let candidates: readonly RouteRuntime[];
    if (spec.route !== undefined) {
      if (!workload.secondaries.includes(spec.route)) {
        const known = workload.secondaries.length === 0 ? 'it has none' : `its secondaries: ${workload.secondaries.join(', ')}`;
        throw new WarmpathError('RTR_DRILL_ROUTE_NOT_SECONDARY', `"${spec.route}" is not a secondary of workload "${workload.name}" (${known})`, { param: 'route' });
      }
      const certified = routes.certified.find((r) => r.config.name === spec.route);
      if (certified === undefined) {
        const refusals = routes.refused.find((r) => r.route === spec.route)?.refusals ?? [];
        throw new WarmpathError('RTR_DRILL_ROUTE_NOT_CERTIFIED', `"${spec.route}" for workload "${workload.name}": ${refusals.join('; ')}`, { param: 'route' });
      }
      candidates = [certified];
    } else {
      if (routes.certified.length === 0) {
        const why = routes.refused.map((r) => `${r.route}: ${r.refusals.join('; ')}`).join(' | ');
        throw new WarmpathError('RTR_DRILL_NO_SECONDARY', `workload "${workload.name}"${why === '' ? ' has no secondaries' : `: ${why}`}`, { param: 'workload' });
      }
      candidates = routes.certified;
    }
    this.#expire();
    const running = this.#active.get(workload.name);
    if (running !== undefined) {
      throw new WarmpathError('RTR_DRILL_ACTIVE', `drill ${running.id} on "${workload.name}" runs until ${new Date(running.endsAt).toISOString()}; end it with DELETE /v1/drills/${running.id}`, {
        param: 'workload',
        details: { drill_id: running.id },
      });
    }
    const now = this.#clock.now();
    const drill = new Drill(
      { id: this.#newId(), workload: workload.name, route: spec.route, candidates, share, startedAt: now, endsAt: now + durationMs },
      this.#random,
      this.#reservoirSize,
    );
    this.#active.set(workload.name, drill);
    return this.#report(drill);
  }

  /** Ends a drill now; an ended one is reported as it is. */
  stop(id: string): DrillReport {
    this.#expire();
    const drill = this.#find(id);
    if (drill.active) this.#end(drill, 'stopped', this.#clock.now());
    return this.#report(drill);
  }

  report(id: string): DrillReport {
    this.#expire();
    return this.#report(this.#find(id));
  }

  list(): { active: DrillReport[]; recent: DrillReport[] } {
    this.#expire();
    return { active: [...this.#active.values()].map((d) => this.#report(d)), recent: this.#ended.map((d) => this.#report(d)) };
  }

  #report(drill: Drill): DrillReport {
    if (!drill.active) return drill.report();
    const snapshot = this.#eligibility.snapshot();
    return drill.report(drill.candidates.filter((c) => !snapshot.isEligible(drill.workload, c.config.name)).map((c) => c.config.name));
  }

  #find(id: string): Drill {
    for (const d of this.#active.values()) if (d.id === id) return d;
    const ended = this.#ended.find((d) => d.id === id);
    if (ended === undefined) throw new WarmpathError('RTR_DRILL_NOT_FOUND', `"${id}" (this router keeps the active drills and the last ${this.#keepEnded} ended ones)`);
    return ended;
  }

  #expire(): void {
    const now = this.#clock.now();
    for (const drill of this.#active.values()) if (now >= drill.endsAt) this.#end(drill, 'elapsed', drill.endsAt);
  }

  #end(drill: Drill, reason: DrillEndReason, at: number): void {
    drill.endedAt = at;
    drill.endReason = reason;
    this.#active.delete(drill.workload);
    this.#ended.unshift(drill);
    if (this.#ended.length > this.#keepEnded) this.#ended.length = this.#keepEnded;
  }
}
