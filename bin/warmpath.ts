#!/usr/bin/env node
// The warmpath CLI: parses argv, loads config, runs a verb. Exit codes: 0 ok, 1 failure
// (invalid config included), 2 usage error.

import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../core/index.ts';
import type { Config } from '../schemas/index.ts';
import { certificationMatrix, formatMatrix } from './certify.ts';
import { serve } from './serve.ts';
import { startBanner } from './banner.ts';
import packageJson from '../package.json' with { type: 'json' };

const verbs: Readonly<Record<string, string>> = {
  start: 'run router, collector and evaluator in one process (embedded ClickHouse by default)',
  router: 'run the routing proxy (and its admin listener) alone',
  certify: 'print the workload x route policy certification matrix, each refusal with its reason',
};

export const helpText = `warmpath ${packageJson.version}: keeps LLM provider failover honest

Usage: warmpath <verb> [--config FILE]

Verbs:
${Object.entries(verbs)
  .map(([verb, what]) => `  ${verb.padEnd(10)} ${what}`)
  .join('\n')}

Options:
  --config FILE   configuration file (default: warmpath.yaml)
  --help          show this help
  --version       print the version
`;

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
  if (values.help === true || verb === 'help') {
    process.stdout.write(helpText);
    return 0;
  }
  if (verb === undefined || !(verb in verbs) || positionals.length > 1) {
    process.stderr.write(`${verb === undefined ? 'warmpath: no verb given' : `warmpath: unknown verb "${positionals.join(' ')}"`}\n\n${helpText}`);
    return 2;
  }
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
    case 'certify':
      process.stdout.write(`${formatMatrix(certificationMatrix(config))}\n`);
      return 0;
    case 'start':
    case 'router':
      return runUntilSignal(config);
    default:
      return 2;
  }
}

async function runUntilSignal(config: Config): Promise<number> {
  let services;
  try {
    services = await serve(config);
  } catch (err) {
    process.stderr.write(`warmpath: cannot start: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(startBanner(config, services.routerUrl, services.adminUrl));
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.stdout.write(`warmpath: ${signal} received, finishing in-flight requests (up to ${config.server.shutdown_grace_ms} ms)\n`);
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
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
