#!/usr/bin/env node
// The warmpath CLI: parses argv, loads config, runs a verb. Exit codes: 0 ok, 1 failure
// (invalid config included), 2 usage error.

import { parseArgs } from 'node:util';
// Only the verbs' options and help are imported up front, and core's errors rather than its
// index (which loads the OpenTelemetry SDK, fastify and the ClickHouse client). The config
// loader and each verb's modules are imported when they are needed, so `--help` and a usage
// error answer at once, and `certify` without the libraries that serving needs.
import { ConfigError } from '../core/errors.ts';
import type { Telemetry } from '../core/index.ts';
import type { Config } from '../schemas/index.ts';
import { collectorBanner, evaluatorBanner, startBanner } from './banner.ts';
import { dashboardsHelp, dashboardsOptions, runDashboards } from './dashboards.ts';
import { drillHelp, drillOptions, drillPlan, type DrillPlan } from './drill-plan.ts';
import { evalHelp, evalOptions } from './eval-options.ts';
import packageJson from '../package.json' with { type: 'json' };

const verbs: Readonly<Record<string, string>> = {
  start: 'run router, collector and evaluator in one process (embedded ClickHouse by default)',
  router: 'run the routing proxy (and its admin listener) alone; records go to server.collector_url',
  collector: 'run the collector alone: POST /v1/exchanges on the admin listener, batches into ClickHouse',
  evaluator: 'run the evaluator alone against ClickHouse; publishes GET /v1/eligibility for routers',
  routes: 'print each workload x route: role, eligible and why, samples, pass rate, noise floor, breaker, spend',
  migrate: 'apply the ClickHouse migrations (also done by start and collector) and print what ran',
  certify: 'print the workload x route policy certification matrix, each refusal with its reason',
  dashboards: 'write (--out DIR) and/or upload (--push URL) the Grafana dashboards and alert rules',
  eval: 'offline parity on a prompt set (--prompts FILE): would each secondary be eligible? exit 1 if not',
  drill: 'run a failover drill: a share of a workload\'s real traffic served by its secondary for a while, then a verdict',
};

/** `warmpath <verb> --help` for the verbs with options of their own. */
const verbHelp: Readonly<Record<string, string>> = {
  dashboards: `Usage: warmpath dashboards --config FILE [--out DIR] [--push URL --token TOKEN]\n\n${dashboardsHelp}`,
  eval: `Usage: warmpath eval --config FILE --prompts FILE [--workload NAME] [--json]\n\n${evalHelp}`,
  drill: `Usage: warmpath drill --config FILE --workload W [--route R] [--share S] [--for DURATION] [--router URL]... [--json]\n\n${drillHelp}`,
};

export const helpText = `warmpath ${packageJson.version}: keeps LLM provider failover honest

Usage: warmpath <verb> [--config FILE]

Verbs:
${Object.entries(verbs)
  .map(([verb, what]) => `  ${verb.padEnd(10)} ${what}`)
  .join('\n')}

Options:
  --config FILE   configuration file (default: warmpath.yaml)
  --json          (routes, eval, drill) print JSON instead of a table
  --help          show this help
  --version       print the version

${dashboardsHelp}
${evalHelp}
${drillHelp}`;

export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c', default: 'warmpath.yaml' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        json: { type: 'boolean' },
        ...dashboardsOptions,
        ...drillOptions,
        ...evalOptions,
      },
    });
  } catch (err) {
    process.stderr.write(`warmpath: ${(err as Error).message}\n\n${helpText}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version === true) {
    process.stdout.write(`${packageJson.version}\n`);
    return 0;
  }
  const verb = positionals[0];
  const ownHelp = verb === undefined ? undefined : verbHelp[verb];
  if (values.help === true && ownHelp !== undefined) {
    process.stdout.write(ownHelp);
    return 0;
  }
  if (values.help === true || verb === 'help') {
    process.stdout.write(helpText);
    return 0;
  }
  if (verb === undefined || !(verb in verbs) || positionals.length > 1) {
    process.stderr.write(`${verb === undefined ? 'warmpath: no verb given' : `warmpath: unknown verb "${positionals.join(' ')}"`}\n\n${helpText}`);
    return 2;
  }
  // Usage errors exit 2 before the config is read.
  let drill: DrillPlan | undefined;
  if (verb === 'drill') {
    const plan = drillPlan(values);
    if (typeof plan === 'string') {
      process.stderr.write(`warmpath drill: ${plan}\n\n${drillHelp}`);
      return 2;
    }
    drill = plan;
  }
  const { loadConfig } = await import('../core/config.ts');
  let config: Config;
  try {
    config = loadConfig(values.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`warmpath: invalid configuration, not starting\n${err.problems.join('\n')}\n`);
      return 1;
    }
    throw err;
  }
  switch (verb) {
    case 'certify': {
      const { certificationMatrix, formatMatrix } = await import('./certify.ts');
      process.stdout.write(`${formatMatrix(certificationMatrix(config))}\n`);
      return 0;
    }
    case 'migrate': {
      const { runMigrate } = await import('./migrate.ts');
      return runMigrate(config);
    }
    case 'start':
    case 'router':
      return runUntilSignal(config, async () => {
        const { serve } = await import('./serve.ts');
        const services = await serve(config, { mode: verb, telemetry: await processTelemetry(config) });
        const api = { ingest: services.storage !== undefined, feed: services.evaluation !== undefined };
        return { close: services.close, banner: startBanner(config, services.routerUrl, services.adminUrl, services.storage?.store.location, api) };
      });
    case 'collector':
      return runUntilSignal(config, async () => {
        const { serveCollector } = await import('./serve-collector.ts');
        const running = await serveCollector(config, { telemetry: await processTelemetry(config) });
        return { close: running.close, banner: collectorBanner(running.adminUrl, running.storage.store.location) };
      });
    case 'evaluator':
      return runUntilSignal(config, async () => {
        const { serveEvaluator } = await import('./serve-evaluator.ts');
        const running = await serveEvaluator(config, { telemetry: await processTelemetry(config) });
        return { close: running.close, banner: evaluatorBanner(running.adminUrl) };
      });
    case 'routes': {
      const { runRoutes } = await import('./routes-cli.ts');
      return runRoutes(config, values.json === true);
    }
    case 'dashboards':
      return runDashboards(config, values);
    case 'drill': {
      const { runDrill } = await import('./drill.ts');
      return runDrill(config, drill as DrillPlan);
    }
    case 'eval': {
      const { runEval } = await import('./eval.ts');
      return runEval(config, values);
    }
    default:
      return 2;
  }
}

async function processTelemetry(config: Config): Promise<Telemetry> {
  const { startProcessTelemetry } = await import('../core/index.ts');
  return startProcessTelemetry({ serviceName: config.telemetry.service_name, otlpEndpoint: config.telemetry.otlp_endpoint });
}

/**
 * Starts the services, prints the banner, and closes them on SIGTERM or SIGINT. The signals
 * are listened for from before the start: a signal that arrives while the services start, or
 * the moment the banner is out, still closes them cleanly once they are up (Node's default
 * for a signal nobody listens to is to die on the spot). A second signal ends the process at once.
 */
export async function runUntilSignal(config: Config, start: () => Promise<{ close(): Promise<void>; banner: string }>): Promise<number> {
  let received: (signal: NodeJS.Signals) => void = () => {};
  const signalled = new Promise<NodeJS.Signals>((resolve) => (received = resolve));
  const stopListening = (): void => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    stopListening();
    received(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let services;
  try {
    services = await start();
  } catch (err) {
    stopListening();
    if (err instanceof ConfigError) {
      process.stderr.write(`warmpath: invalid configuration, not starting\n${err.problems.join('\n')}\n`);
      return 1;
    }
    process.stderr.write(`warmpath: cannot start: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(services.banner);
  const signal = await signalled;
  process.stdout.write(`warmpath: ${signal} received, finishing in-flight requests (up to ${config.server.shutdown_grace_ms} ms)\n`);
  await services.close();
  return 0;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`warmpath: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
