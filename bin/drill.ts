// `warmpath drill`: runs a failover drill on a running router through its admin listener
// (POST /v1/drills), prints progress every 5 s, ends with the drill (or on SIGINT/SIGTERM,
// ending it first), then prints the report and a verdict. Exit 0 passed, 1 not passed or
// refused/unreachable, 2 usage error.

import { formatDuration, parseDuration, sleep } from '../core/index.ts';
import { drillDurationProblem, drillDurationRange, drillLimits, drillShareProblem, type DrillReport } from '../router/index.ts';
import type { Config } from '../schemas/index.ts';
import { adminBaseUrl, adminJson } from './admin-client.ts';
import { formatTable, percent, type Output } from './terminal.ts';

/** Options of this verb, merged into the CLI's parseArgs options. */
export const drillOptions = {
  workload: { type: 'string' },
  route: { type: 'string' },
  share: { type: 'string' },
  for: { type: 'string' },
} as const;

export const drillHelp = `Options of \`warmpath drill\` (a failover drill on the running router of --config):
  --workload W       the workload to drill (required)
  --route R          the secondary to send drawn requests to (default: the failover chain in order)
  --share S          share of the workload's requests drawn into the drill, 0 < S <= 1 (default ${drillLimits.defaultShare})
  --for DURATION     how long, e.g. 30s, 5m, 1h; between ${drillDurationRange} (default ${formatDuration(drillLimits.defaultDurationMs)})
  --json             print the final report as JSON (progress goes to stderr)
  Exit 0 when a drill route served requests and failed at most ${drillLimits.maxFailedAttemptRate * 100}% of its attempts, else 1.
`;

export interface DrillArgs {
  readonly workload?: string | undefined;
  readonly route?: string | undefined;
  readonly share?: string | undefined;
  readonly for?: string | undefined;
  readonly json?: boolean | undefined;
  /** The config file the verb was given, for the commands it suggests. */
  readonly config?: string | undefined;
}

export interface DrillPlan {
  readonly workload: string;
  readonly route: string | undefined;
  readonly share: number;
  readonly durationMs: number;
  readonly json: boolean;
  /** `warmpath routes` on the same config, as the warning suggests it. */
  readonly routesCommand: string;
}

/** The verb's arguments checked before anything is loaded; a string is the usage error. */
export function drillPlan(args: DrillArgs): DrillPlan | string {
  if (args.workload === undefined || args.workload === '') return '--workload W is required';
  if (args.route === '') return '--route needs a route name';
  // Number('') and Number(' ') are 0, which the share check refuses.
  const share = args.share === undefined ? drillLimits.defaultShare : Number(args.share);
  const shareProblem = drillShareProblem(share);
  if (shareProblem !== undefined) return `--share ${shareProblem}, got ${JSON.stringify(args.share)}`;
  let durationMs: number = drillLimits.defaultDurationMs;
  if (args.for !== undefined) {
    try {
      durationMs = parseDuration(args.for);
    } catch (err) {
      return `--for: ${(err as Error).message}`;
    }
    const durationProblem = drillDurationProblem(durationMs);
    if (durationProblem !== undefined) return `--for ${durationProblem}, got ${args.for}`;
  }
  const configArg = args.config !== undefined && /[\s'"]/.test(args.config) ? JSON.stringify(args.config) : args.config;
  const routesCommand = args.config === undefined || args.config === 'warmpath.yaml' ? 'warmpath routes' : `warmpath routes --config ${configArg}`;
  return { workload: args.workload, route: args.route, share, durationMs, json: args.json === true, routesCommand };
}

const progressEveryMs = 5000;


export async function runDrill(config: Config, plan: DrillPlan, out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  const base = `${adminBaseUrl(config)}/v1/drills`;
  const call = (method: 'POST' | 'GET' | 'DELETE', path: string, body?: unknown): Promise<DrillReport> => adminJson<DrillReport>(config, method, `/v1/drills${path}`, body);
  // Progress and the closing lines go to stderr with --json, so stdout is the report alone.
  const say = plan.json ? err : out;

  let drill: DrillReport;
  try {
    drill = await call('POST', '', {
      workload: plan.workload,
      ...(plan.route === undefined ? {} : { route: plan.route }),
      share: plan.share,
      duration: formatDuration(plan.durationMs),
    });
  } catch (e) {
    err.write(`warmpath drill: no drill started: ${(e as Error).message}\n`);
    return 1;
  }
  const url = `${base}/${drill.id}`;
  say.write(
    `drill ${drill.id} started on workload ${drill.workload}: ${pct(drill.share)} of requests to ${drill.route ?? `the failover chain (${drill.routes.join(', ')})`} first, ` +
      `for ${drill.duration}, until ${drill.ends_at}\n` +
      `  follow: GET ${url}   end early: Ctrl-C (or DELETE ${url})\n`,
  );
  const ineligible = drill.ineligible_now;
  if (ineligible.length > 0) {
    const all = ineligible.length === drill.routes.length;
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
  const deadline = startedLocally + (Date.parse(drill.ends_at) - Date.parse(drill.started_at));
  let nextProgress = startedLocally + progressEveryMs;
  let final: DrillReport | undefined;
  try {
    while (final === undefined) {
      const now = Date.now();
      // Wake for the next progress line or just after the drill's end, whichever is first.
      const wake = now >= deadline ? now + 250 : Math.min(nextProgress, deadline + 50);
      // Woken early by a signal: handled just below.
      await sleep(Math.max(0, wake - now), stop.signal).catch(() => undefined);
      if (signalled !== undefined) {
        say.write(`warmpath drill: ${signalled} received, ending drill ${drill.id}\n`);
        final = await call('DELETE', `/${drill.id}`);
        break;
      }
      const current = await call('GET', `/${drill.id}`);
      if (!current.active) final = current;
      else if (Date.now() >= nextProgress) {
        say.write(`${progressLine(current, Date.now() - startedLocally)}\n`);
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
  if (plan.json) out.write(`${JSON.stringify(final, null, 2)}\n`);
  else out.write(`${formatDrillReport(final)}\n`);
  return final.verdict.passed ? 0 : 1;
}

// Drill reports show shares as set ("10%") and rates without a trailing ".0".
const pct = (x: number | null): string => percent(x, true);
const ms = (x: number | null): string => (x === null ? '-' : `${x} ms`);

export function progressLine(r: DrillReport, elapsedMs: number): string {
  const s = r.stats;
  const now = r.ineligible_now.length === 0 ? '' : `  (not eligible now: ${r.ineligible_now.join(', ')})`;
  return `  ${formatDuration(Math.round(elapsedMs / 1000) * 1000)}  drawn ${s.drawn}  served by secondary ${s.served_by_drill}  fell back ${s.fell_back}  skipped (ineligible) ${s.skipped_ineligible}  client errors ${s.client_errors}${now}`;
}

/** The closing report: per route, drill vs baseline, fall-backs by class, and the verdict. */
export function formatDrillReport(r: DrillReport): string {
  const s = r.stats;
  const ended = r.end_reason === null ? 'running' : `ended (${r.end_reason === 'elapsed' ? `after ${r.duration}` : 'stopped'}) at ${r.ended_at}`;
  const byClass = (counts: Readonly<Record<string, number>>): string =>
    Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '-';
  const lines = [
    `drill ${r.id} on workload ${r.workload}: ${ended}`,
    `  share ${pct(r.share)}, routes ${r.routes.join(', ')}${r.route === null ? ' (failover chain)' : ''}, from ${r.started_at}`,
    `  drawn ${s.drawn}  served by secondary ${s.served_by_drill}  fell back to primary ${s.fell_back}  skipped (ineligible) ${s.skipped_ineligible}  client errors ${s.client_errors}${s.cancelled > 0 ? `  client went away ${s.cancelled}` : ''}`,
    '',
    formatTable([['ROUTE', 'ATTEMPTS', 'SERVED', 'FAILED', 'SKIPPED (INELIGIBLE)', 'FAILED BY CLASS'], ...s.routes.map((x) => [x.route, String(x.attempts), String(x.served), String(x.failed), String(x.skipped_ineligible), byClass(x.failed_by_error_class)])], '  '),
    '',
    formatTable([
      ['', 'REQUESTS', 'P50', 'P95', 'ERROR RATE'],
      ['drill', String(s.drill.requests), ms(s.drill.p50_ms), ms(s.drill.p95_ms), pct(s.drill.error_rate)],
      ['baseline (primary)', String(s.baseline.requests), ms(s.baseline.p50_ms), ms(s.baseline.p95_ms), pct(s.baseline.error_rate)],
    ], '  '),
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
