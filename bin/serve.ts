// Process composition: builds the components a verb asks for, wires them together through
// their public interfaces, listens, and shuts down gracefully on SIGTERM/SIGINT.

import { pino, type Logger } from 'pino';
import { buildAdminApp, createTelemetry, systemClock, systemRandom, sleep, parseListen } from '../core/index.ts';
import type { Clock, Random } from '../core/index.ts';
import { createProviderClients } from '../providers/index.ts';
import { buildRouteTable, buildRouterApp, everyCertifiedRouteEligible } from '../router/index.ts';
import type { EligibilitySource } from '../router/index.ts';
import type { Config, ExchangeRecord, ExchangeSink } from '../schemas/index.ts';

export interface RunningServices {
  readonly routerUrl: string;
  readonly adminUrl: string;
  /** Stops accepting, lets in-flight requests finish within the grace period, then closes. */
  close(): Promise<void>;
}

export interface ServeOptions {
  readonly clock?: Clock;
  readonly random?: Random;
  readonly sink?: ExchangeSink;
  readonly eligibility?: EligibilitySource;
  readonly logger?: Logger;
}

/** Keeps the newest records in memory; the collector replaces it once storage is wired. */
export class RecentRecords implements ExchangeSink {
  readonly #limit: number;
  readonly records: ExchangeRecord[] = [];
  total = 0;
  constructor(limit: number) {
    this.#limit = limit;
  }
  write(record: ExchangeRecord): void {
    this.total += 1;
    this.records.push(record);
    if (this.records.length > this.#limit) this.records.shift();
  }
}

export function createLogger(config: Config): Logger {
  return pino({ level: config.telemetry.log_level, base: { service: config.telemetry.service_name } });
}

export async function serve(config: Config, options: ServeOptions = {}): Promise<RunningServices> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const logger = options.logger ?? createLogger(config);
  const telemetry = createTelemetry({ serviceName: config.telemetry.service_name });
  const clients = createProviderClients(config, { clock });
  const table = buildRouteTable(config, clients, clock);
  const sink = options.sink ?? new RecentRecords(1000);
  let routerListening = false;

  const router = buildRouterApp({
    config,
    table,
    sink,
    eligibility: options.eligibility ?? everyCertifiedRouteEligible,
    clock,
    random,
    meter: telemetry.meter,
    logger,
  });
  const admin = buildAdminApp({
    listen: config.server.admin_listen,
    adminToken: config.server.admin_token,
    bodyLimitBytes: config.server.body_limit_bytes,
    telemetry,
    readiness: [{ name: 'router', ready: () => routerListening }],
    logger,
  });

  const adminAddress = parseListen(config.server.admin_listen);
  const routerAddress = parseListen(config.server.listen);
  const adminUrl = await admin.listen({ host: adminAddress.host, port: adminAddress.port });
  let routerUrl: string;
  try {
    routerUrl = await router.listen({ host: routerAddress.host, port: routerAddress.port });
  } catch (err) {
    await admin.close();
    await clients.close();
    throw err;
  }
  routerListening = true;

  let closing: Promise<void> | undefined;
  return {
    routerUrl,
    adminUrl,
    close: () =>
      (closing ??= (async () => {
        routerListening = false;
        const grace = new AbortController();
        const drained = router.close().then(() => true);
        const inTime = await Promise.race([drained, sleep(config.server.shutdown_grace_ms, grace.signal).then(() => false, () => true)]);
        grace.abort();
        if (!inTime) logger.warn({ grace_ms: config.server.shutdown_grace_ms }, 'in-flight requests did not finish within the grace period');
        await admin.close();
        await clients.close();
        await telemetry.shutdown();
      })()),
  };
}
