// `warmpath evaluator`: the evaluator alone against the configured ClickHouse, publishing the
// eligibility feed (GET /v1/eligibility) that routers started with `warmpath router` poll.

import type { Logger } from 'pino';
import { buildAdminApp, createTelemetry, parseListen, systemClock } from '../core/index.ts';
import type { ClickHouseStore, Clock, Telemetry } from '../core/index.ts';
import type { Config } from '../schemas/index.ts';
import { startEvaluation, type Evaluation } from './evaluation.ts';
import { routeRows } from './routes.ts';
import { createLogger } from './serve.ts';
import { migrateStore, openStore } from './storage.ts';

export interface RunningEvaluator {
  readonly adminUrl: string;
  readonly evaluation: Evaluation;
  close(): Promise<void>;
}

export interface EvaluatorServeOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** An open store to share (one chDB folder per process); left open on close. */
  readonly store?: ClickHouseStore;
  readonly telemetry?: Telemetry;
}

export async function serveEvaluator(config: Config, options: EvaluatorServeOptions = {}): Promise<RunningEvaluator> {
  const logger = options.logger ?? createLogger(config);
  const clock = options.clock ?? systemClock;
  const telemetry = options.telemetry ?? createTelemetry({ serviceName: config.telemetry.service_name, otlpEndpoint: config.telemetry.otlp_endpoint });
  const store = options.store ?? (await openStore(config));
  let evaluation: Evaluation | undefined;
  const admin = buildAdminApp({
    listen: config.server.admin_listen,
    adminToken: config.server.admin_token,
    bodyLimitBytes: config.server.body_limit_bytes,
    telemetry,
    readiness: [{ name: 'evaluator', ready: () => evaluation?.ready() ?? false }],
    logger,
  });
  try {
    await migrateStore(store, logger);
    evaluation = await startEvaluation(config, store, admin, { clock, logger });
    const running = evaluation;
    admin.get('/v1/routes', async () => routeRows(config, running.publisher.current, undefined));
    const address = parseListen(config.server.admin_listen);
    const adminUrl = await admin.listen({ host: address.host, port: address.port });
    let closing: Promise<void> | undefined;
    return {
      adminUrl,
      evaluation: running,
      close: () =>
        (closing ??= (async () => {
          await running.stop();
          await admin.close();
          if (options.store === undefined) await store.close();
          await telemetry.shutdown();
        })()),
    };
  } catch (err) {
    await evaluation?.stop();
    await admin.close();
    if (options.store === undefined) await store.close();
    await telemetry.shutdown();
    throw err;
  }
}
