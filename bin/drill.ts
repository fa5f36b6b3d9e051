// `warmpath drill`: runs a failover drill on a running router through its admin listener
// (POST /v1/drills), or on several router replicas at once (--router, each its own drill
// over its own share of the traffic), prints progress every 5 s, ends with the drill (or
// on SIGINT/SIGTERM, ending it first), then prints the report and a verdict. Exit 0
// passed, 1 not passed or refused/unreachable, 2 usage error.

import { formatDuration, sleep } from '../core/index.ts';
import { drillLimits, drillVerdict, type DrillReport, type DrillRouteStats, type DrillStats, type LatencySummary } from '../router/index.ts';
import type { Config } from '../schemas/index.ts';
import { adminBaseUrl, adminJsonAt } from './admin-client.ts';
import type { DrillPlan } from './drill-plan.ts';
import { formatTable, percent, type Output } from './terminal.ts';

const progressEveryMs = 5000;

/** One router's drill: the admin listener it runs on and its newest report. */
export interface RouterDrill {
  readonly url: string;
  readonly report: DrillReport;
}

export async function runDrill(config: Config, plan: DrillPlan, out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  const bases = plan.routers.length > 0 ? plan.routers : [adminBaseUrl(config)];
  const call = (base: string, method: 'POST' | 'GET' | 'DELETE', path: string, body?: unknown): Promise<DrillReport> =>
    adminJsonAt<DrillReport>(base, config, method, `/v1/drills${path}`, body);
  // Progress and the closing lines go to stderr with --json, so stdout is the report alone.
  const say = plan.json ? err : out;
  const spec = { workload: plan.workload, ...(plan.route === undefined ? {} : { route: plan.route }), share: plan.share, duration: formatDuration(plan.durationMs) };

  // All or none: a replica that refuses ends the drills already started on the others.
  const started: RouterDrill[] = [];
  for (const url of bases) {
    try {
      started.push({ url, report: await call(url, 'POST', '', spec) });
    } catch (e) {
      err.write(`warmpath drill: no drill started: ${(e as Error).message}\n`);
      const ended = await Promise.all(started.map((d) => call(d.url, 'DELETE', `/${d.report.id}`).then(() => d.url, () => undefined)));
      const endedUrls = ended.filter((u) => u !== undefined);
      if (endedUrls.length > 0) err.write(`  ended the drill already started on ${endedUrls.join(', ')}\n`);
      const stuck = started.filter((d) => !endedUrls.includes(d.url));
      for (const d of stuck) err.write(`  could not end drill ${d.report.id} on ${d.url}: it ends by itself at ${d.report.ends_at}\n`);
      return 1;
    }
  }
  const first = (started[0] as RouterDrill).report;
  const target = first.route ?? `the failover chain (${first.routes.join(', ')})`;
  if (started.length === 1) {
    const url = `${bases[0]}/v1/drills/${first.id}`;
    say.write(
      `drill ${first.id} started on workload ${first.workload}: ${pct(first.share)} of requests to ${target} first, for ${first.duration}, until ${first.ends_at}\n` +
        `  follow: GET ${url}   end early: Ctrl-C (or DELETE ${url})\n`,
    );
  } else {
    say.write(
      `drill started on workload ${first.workload} on ${started.length} routers: ${pct(first.share)} of each one's requests to ${target} first, for ${first.duration}, until ${first.ends_at}\n` +
        started.map((d) => `  ${d.url}: drill ${d.report.id}   follow: GET ${d.url}/v1/drills/${d.report.id}\n`).join('') +
        `  end early: Ctrl-C ends every one\n`,
    );
  }
  // Each router holds its own feed: a route is named when any of them does not hold it eligible.
  const ineligible = [...new Set(started.flatMap((d) => d.report.ineligible_now))];
  if (ineligible.length > 0) {
    const all = ineligible.length === first.routes.length;
    say.write(
      `  warning: ${ineligible.join(', ')} ${ineligible.length === 1 ? 'is' : 'are'} not eligible for failover right now: ` +
        (all ? 'drawn requests go to the primary until one is' : 'drawn requests try the other drill routes') +
        ` (${plan.routesCommand} says why)\n`,
    );
  }

  const stop = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    signalled = signal;
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const startedLocally = Date.now();
  const deadline = startedLocally + Math.max(...started.map((d) => Date.parse(d.report.ends_at) - Date.parse(d.report.started_at)));
  let nextProgress = startedLocally + progressEveryMs;
  const finals: (DrillReport | undefined)[] = started.map(() => undefined);
  try {
    while (finals.includes(undefined)) {
      const now = Date.now();
      // Wake for the next progress line or just after the drill's end, whichever is first.
      const wake = now >= deadline ? now + 250 : Math.min(nextProgress, deadline + 50);
      // Woken early by a signal: handled just below.
      await sleep(Math.max(0, wake - now), stop.signal).catch(() => undefined);
      if (signalled !== undefined) {
        say.write(`warmpath drill: ${signalled} received, ending drill ${started.map((d) => d.report.id).join(', ')}\n`);
        const ended = await Promise.all(started.map((d, i) => finals[i] ?? call(d.url, 'DELETE', `/${d.report.id}`)));
        ended.forEach((r, i) => (finals[i] = r));
        break;
      }
      const current = await Promise.all(started.map((d, i) => finals[i] ?? call(d.url, 'GET', `/${d.report.id}`)));
      current.forEach((r, i) => {
        if (!r.active) finals[i] = r;
      });
      if (finals.includes(undefined) && Date.now() >= nextProgress) {
        say.write(`${progressLine(mergeDrillReports(current), Date.now() - startedLocally)}\n`);
        nextProgress += progressEveryMs;
      }
    }
  } catch (e) {
    err.write(`warmpath drill: ${(e as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const routers = (finals as DrillReport[]).map((report, i) => ({ url: (started[i] as RouterDrill).url, report }));
  // One router's report is its own merge: the output of a single drill is what it always was.
  const combined = mergeDrillReports(routers.map((d) => d.report));
  const json = routers.length === 1 ? combined : { combined, routers };
  out.write(plan.json ? `${JSON.stringify(json, null, 2)}\n` : `${formatDrillReport(combined, routers)}\n`);
  return combined.verdict.passed ? 0 : 1;
}

const sumOf = <T>(items: readonly T[], value: (item: T) => number): number => items.reduce((n, item) => n + value(item), 0);

function addCounts(into: Map<string, number>, counts: Readonly<Record<string, number>>): void {
  for (const [key, n] of Object.entries(counts)) into.set(key, (into.get(key) ?? 0) + n);
}

/** Requests and error rate summed; percentiles do not add up, so the merged ones are null (shown per router). */
function mergeLatency(sides: readonly LatencySummary[]): LatencySummary {
  const requests = sumOf(sides, (l) => l.requests);
  const failures = sumOf(sides, (l) => Math.round((l.error_rate ?? 0) * l.requests));
  return { requests, samples: sumOf(sides, (l) => l.samples), p50_ms: null, p95_ms: null, error_rate: requests === 0 ? null : failures / requests };
}

/**
 * The drills of one `warmpath drill` on several routers as one report: every count summed
 * (routes by name, in the first router's order), the verdict taken again on the sums by
 * the router's own rule, the ids joined. Latency percentiles are each router's own.
 */
export function mergeDrillReports(reports: readonly DrillReport[]): DrillReport {
  const [first] = reports;
  if (first === undefined) throw new Error('no drill reports to merge');
  if (reports.length === 1) return first;
  const stats = reports.map((r) => r.stats);
  const routeNames = [...new Set(stats.flatMap((s) => s.routes.map((r) => r.route)))];
  const routes: DrillRouteStats[] = routeNames.map((route) => {
    const each = stats.flatMap((s) => s.routes.filter((r) => r.route === route));
    const byClass = new Map<string, number>();
    for (const r of each) addCounts(byClass, r.failed_by_error_class);
    return {
      route,
      attempts: sumOf(each, (r) => r.attempts),
      served: sumOf(each, (r) => r.served),
      failed: sumOf(each, (r) => r.failed),
      failed_by_error_class: Object.fromEntries(byClass),
      skipped_ineligible: sumOf(each, (r) => r.skipped_ineligible),
    };
  });
  const attempts = sumOf(routes, (r) => r.attempts);
  const failed = sumOf(routes, (r) => r.failed);
  const fellBackByClass = new Map<string, number>();
  for (const s of stats) addCounts(fellBackByClass, s.fell_back_by_error_class);
  const merged: DrillStats = {
    drawn: sumOf(stats, (s) => s.drawn),
    served_by_drill: sumOf(stats, (s) => s.served_by_drill),
    fell_back: sumOf(stats, (s) => s.fell_back),
    fell_back_by_error_class: Object.fromEntries(fellBackByClass),
    skipped_ineligible: sumOf(stats, (s) => s.skipped_ineligible),
    client_errors: sumOf(stats, (s) => s.client_errors),
    cancelled: sumOf(stats, (s) => s.cancelled),
    failed_attempt_rate: attempts === 0 ? null : failed / attempts,
    routes,
    drill: mergeLatency(stats.map((s) => s.drill)),
    baseline: mergeLatency(stats.map((s) => s.baseline)),
  };
  const active = reports.some((r) => r.active);
  const endedAt = active ? null : reports.map((r) => r.ended_at as string).sort().at(-1) ?? null;
  return {
    ...first,
    id: reports.map((r) => r.id).join(', '),
    started_at: reports.map((r) => r.started_at).sort()[0] ?? first.started_at,
    ends_at: reports.map((r) => r.ends_at).sort().at(-1) ?? first.ends_at,
    ended_at: endedAt,
    end_reason: active ? null : reports.some((r) => r.end_reason === 'stopped') ? 'stopped' : 'elapsed',
    active,
    ineligible_now: [...new Set(reports.flatMap((r) => r.ineligible_now))],
    stats: merged,
    verdict: drillVerdict(merged, failed, attempts),
  };
}

/** Drill against baseline; for merged drills, the sums (rates only: percentiles do not add up) and then each router. */
function latencyRows(r: DrillReport, routers: readonly RouterDrill[]): string[][] {
  const row = (label: string, l: LatencySummary): string[] => [label, String(l.requests), ms(l.p50_ms), ms(l.p95_ms), pct(l.error_rate)];
  if (routers.length < 2) return [row('drill', r.stats.drill), row('baseline (primary)', r.stats.baseline)];
  return [
    row('drill, all routers', r.stats.drill),
    row('baseline (primary), all routers', r.stats.baseline),
    ...routers.flatMap((d) => [row(`drill @ ${d.url}`, d.report.stats.drill), row(`baseline @ ${d.url}`, d.report.stats.baseline)]),
  ];
}

// Drill reports show shares as set ("10%") and rates without a trailing ".0".
const pct = (x: number | null): string => percent(x, true);
const ms = (x: number | null): string => (x === null ? '-' : `${x} ms`);

export function progressLine(r: DrillReport, elapsedMs: number): string {
  const s = r.stats;
  const now = r.ineligible_now.length === 0 ? '' : `  (not eligible now: ${r.ineligible_now.join(', ')})`;
  return `  ${formatDuration(Math.round(elapsedMs / 1000) * 1000)}  drawn ${s.drawn}  served by secondary ${s.served_by_drill}  fell back ${s.fell_back}  skipped (ineligible) ${s.skipped_ineligible}  client errors ${s.client_errors}${now}`;
}

/**
 * The closing report: per route, drill vs baseline, fall-backs by class, and the verdict.
 * `routers`: the drills `r` merges (mergeDrillReports), whose latency is shown router by router.
 */
export function formatDrillReport(r: DrillReport, routers: readonly RouterDrill[] = []): string {
  const s = r.stats;
  const ended = r.end_reason === null ? 'running' : `ended (${r.end_reason === 'elapsed' ? `after ${r.duration}` : 'stopped'}) at ${r.ended_at}`;
  const byClass = (counts: Readonly<Record<string, number>>): string =>
    Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '-';
  const lines = [
    `drill ${r.id} on workload ${r.workload}${routers.length > 1 ? ` on ${routers.length} routers` : ''}: ${ended}`,
    `  share ${pct(r.share)}, routes ${r.routes.join(', ')}${r.route === null ? ' (failover chain)' : ''}, from ${r.started_at}`,
    `  drawn ${s.drawn}  served by secondary ${s.served_by_drill}  fell back to primary ${s.fell_back}  skipped (ineligible) ${s.skipped_ineligible}  client errors ${s.client_errors}${s.cancelled > 0 ? `  client went away ${s.cancelled}` : ''}`,
    '',
    formatTable([['ROUTE', 'ATTEMPTS', 'SERVED', 'FAILED', 'SKIPPED (INELIGIBLE)', 'FAILED BY CLASS'], ...s.routes.map((x) => [x.route, String(x.attempts), String(x.served), String(x.failed), String(x.skipped_ineligible), byClass(x.failed_by_error_class)])], '  '),
    '',
    formatTable([['', 'REQUESTS', 'P50', 'P95', 'ERROR RATE'], ...latencyRows(r, routers)], '  '),
    '',
    `  fell back by error class: ${byClass(s.fell_back_by_error_class)}`,
    `  drill routes' failed-attempt rate: ${pct(s.failed_attempt_rate)} (limit ${drillLimits.maxFailedAttemptRate * 100}%)`,
    '',
    r.verdict.passed
      ? `verdict: PASSED (${s.served_by_drill} requests served by drill routes, ${pct(s.failed_attempt_rate ?? 0)} of their attempts failed)`
      : `verdict: NOT PASSED\n${r.verdict.reasons.map((why) => `  - ${why}`).join('\n')}`,
  ];
  return lines.join('\n');
}
