// The arguments of `warmpath drill`, checked before anything is loaded: its options, help
// and plan. Kept apart from the verb's run (drill.ts) so the CLI can print help and refuse a
// bad command line without loading the HTTP client the run needs.

// These modules alone, not core's and the router's indexes, which load fastify, undici and
// the providers.
import { formatDuration, parseDuration } from '../core/durations.ts';
import { drillDurationProblem, drillDurationRange, drillLimits, drillShareProblem } from '../router/drill.ts';

/** Options of this verb, merged into the CLI's parseArgs options. */
export const drillOptions = {
  workload: { type: 'string' },
  route: { type: 'string' },
  share: { type: 'string' },
  for: { type: 'string' },
  router: { type: 'string', multiple: true },
} as const;

export const drillHelp = `Options of \`warmpath drill\` (a failover drill on the running router of --config):
  --workload W       the workload to drill (required)
  --route R          the secondary to send drawn requests to (default: the failover chain in order)
  --share S          share of the workload's requests drawn into the drill, 0 < S <= 1 (default ${drillLimits.defaultShare})
  --for DURATION     how long, e.g. 30s, 5m, 1h; between ${drillDurationRange} (default ${formatDuration(drillLimits.defaultDurationMs)})
  --router URL       a router replica's admin listener, e.g. http://10.0.0.7:8081; repeat it to drill
                     every replica at once, with one report and verdict over all of them
                     (default: server.admin_listen of --config)
  --json             print the final report as JSON (progress goes to stderr)
  Exit 0 when a drill route served requests and failed at most ${drillLimits.maxFailedAttemptRate * 100}% of its attempts, else 1.
`;

export interface DrillArgs {
  readonly workload?: string | undefined;
  readonly route?: string | undefined;
  readonly share?: string | undefined;
  readonly for?: string | undefined;
  readonly router?: readonly string[] | undefined;
  readonly json?: boolean | undefined;
  /** The config file the verb was given, for the commands it suggests. */
  readonly config?: string | undefined;
}

export interface DrillPlan {
  readonly workload: string;
  readonly route: string | undefined;
  readonly share: number;
  readonly durationMs: number;
  /** Admin base URLs of the routers to drill; empty: the config's own admin listener. */
  readonly routers: readonly string[];
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
  const routers: string[] = [];
  for (const given of args.router ?? []) {
    let url: URL;
    try {
      url = new URL(given);
    } catch {
      return `--router ${JSON.stringify(given)} is not a URL (e.g. http://10.0.0.7:8081)`;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `--router ${given}: only http and https URLs`;
    const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    if (routers.includes(base)) return `--router ${given} is given twice`;
    routers.push(base);
  }
  const configArg = args.config !== undefined && /[\s'"]/.test(args.config) ? JSON.stringify(args.config) : args.config;
  const routesCommand = args.config === undefined || args.config === 'warmpath.yaml' ? 'warmpath routes' : `warmpath routes --config ${configArg}`;
  return { workload: args.workload, route: args.route, share, durationMs, routers, json: args.json === true, routesCommand };
}
