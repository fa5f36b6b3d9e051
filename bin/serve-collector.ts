// `warmpath collector`: the admin listener (health, metrics, POST /v1/exchanges) and the
// batching writer alone, against the configured ClickHouse. Routers started with
// `warmpath router` send their records here (server.collector_url).

import type { Logger } from 'pino';
import { buildAdminApp, createTelemetry, parseListen } from '../core/index.ts';
import type { ClickHouseStore, Telemetry } from '../core/index.ts';
import type { InsertBatch } from '../collector/index.ts';
import type { Config } from '../schemas/index.ts';
import { createLogger } from './serve.ts';
import { startStorageOrShutdown, type StorageRuntime } from './storage.ts';

export interface RunningCollector {
  readonly adminUrl: string;
  readonly storage: StorageRuntime;
  close(): Promise<void>;
}

export interface CollectorServeOptions {
  readonly logger?: Logger;
  readonly store?: ClickHouseStore;
  readonly wrapInsert?: (insert: InsertBatch) => InsertBatch;
  readonly telemetry?: Telemetry;
}

export async function serveCollector(config: Config, options: CollectorServeOptions = {}): Promise<RunningCollector> {
  const logger = options.logger ?? createLogger(config);
  const telemetry = options.telemetry ?? createTelemetry({ serviceName: config.telemetry.service_name, otlpEndpoint: config.telemetry.otlp_endpoint });
  const storage: StorageRuntime = await startStorageOrShutdown(config, telemetry, { logger, store: options.store, wrapInsert: options.wrapInsert });
  const admin = buildAdminApp({
    listen: config.server.admin_listen,
    adminToken: config.server.admin_token,
    bodyLimitBytes: config.server.body_limit_bytes,
    telemetry,
    readiness: [{ name: 'collector', ready: () => true }],
    logger,
  });
  const address = parseListen(config.server.admin_listen);
  let adminUrl: string;
  try {
    await storage.collector.mountRoutes(admin);
    adminUrl = await admin.listen({ host: address.host, port: address.port });
  } catch (err) {
    await storage.close();
    await telemetry.shutdown();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    adminUrl,
    storage,
    close: () =>
      (closing ??= (async () => {
        await admin.close();
        await storage.close();
        await telemetry.shutdown();
      })()),
  };
}
