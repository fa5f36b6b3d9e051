// Process composition: builds the components a verb asks for, wires them together through
// their public interfaces, listens, and shuts down gracefully on SIGTERM/SIGINT.

import { pino, type Logger } from 'pino';
import { buildAdminApp, ConfigError, createTelemetry, systemClock, systemRandom, sleep, parseListen } from '../core/index.ts';
import type { ClickHouseStore, Clock, Random, Telemetry } from '../core/index.ts';
import { createCollectorMetrics, createRemoteSink, remoteSpendSource, type InsertBatch } from '../collector/index.ts';
import { createProviderClients } from '../providers/index.ts';
import {
  buildRouteTable,
  buildRouterApp,
  createFeedEligibility,
  connectSharedLimits,
  createShadowMirror,
  DrillBoard,
  everyCertifiedRouteEligible,
  registerDrillRoutes,
  startFeedPoller,
  startSpendSync,
} from '../router/index.ts';
import type { EligibilitySource, ShadowMirror } from '../router/index.ts';
import type { Config, EligibilityFeed, ExchangeRecord, ExchangeSink, SpendSource } from '../schemas/index.ts';
import { startEvaluation, type Evaluation } from './evaluation.ts';
import { routeRows } from './routes.ts';
import { startStorageOrShutdown, type StorageRuntime } from './storage.ts';

export interface RunningServices {
  readonly routerUrl: string;
  readonly adminUrl: string;
  /** The collector and its store when this process owns storage (`start` without a given sink). */
  readonly storage: StorageRuntime | undefined;
  /** The in-process evaluator (`start` with storage). */
  readonly evaluation: Evaluation | undefined;
  /** Where failover decisions come from: the evaluator's feed, or a polled one. */
  readonly eligibility: EligibilitySource;
  readonly shadow: ShadowMirror;
  /** The router's failover drills (POST /v1/drills on the admin listener). */
  readonly drills: DrillBoard;
  /** Stops accepting, lets in-flight requests finish within the grace period, then closes. */
  close(): Promise<void>;
}

export interface ServeOptions {
  /**
   * `start` (default): router + collector in one process, records stored in ClickHouse.
   * `router`: records go to the collector at server.collector_url.
   */
  readonly mode?: 'start' | 'router';
  readonly clock?: Clock;
  readonly random?: Random;
  /** Where records go instead of the collector (tests keep them in memory). */
  readonly sink?: ExchangeSink;
  /** Also receives every record, beside the sink or the collector (tests observe). */
  readonly tee?: ExchangeSink;
  readonly eligibility?: EligibilitySource;
  readonly logger?: Logger;
  /** An open ClickHouse store to share (one chDB folder per process). */
  readonly store?: ClickHouseStore;
  /** Wraps the collector's insert (tests make ClickHouse fail for a while). */
  readonly wrapInsert?: (insert: InsertBatch) => InsertBatch;
  /** The process's telemetry (the CLI starts the SDK); tests get private providers. */
  readonly telemetry?: Telemetry;
  /** Run the evaluator in this process when it owns storage (default true). */
  readonly evaluate?: boolean;
  /**
   * Run that evaluator on a worker thread, off the router's event loop and heap. Default:
   * yes, unless a clock is given (the thread keeps the system clock).
   */
  readonly evaluatorThread?: boolean;
  /**
   * Where the day's stored shadow spend comes from, for workloads with a daily budget.
   * Default: this process's storage (`start`), or the collector at server.collector_url (`router`).
   */
  readonly spendSource?: SpendSource;
}

// A router waits this long for the collector's stored spend before it listens anyway.
const remoteSpendWaitMs = 3000;

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
  const mode = options.mode ?? 'start';
  if (mode === 'router' && options.sink === undefined && config.server.collector_url === undefined) {
    throw new ConfigError([
      `${config.source}: /server/collector_url is required by \`warmpath router\` (where its exchange records go); or run \`warmpath start\` to store them in this process`,
    ]);
  }
  const telemetry = options.telemetry ?? createTelemetry({ serviceName: config.telemetry.service_name, otlpEndpoint: config.telemetry.otlp_endpoint });
  let storage: StorageRuntime | undefined;
  let remote: ReturnType<typeof createRemoteSink> | undefined;
  let sink: ExchangeSink;
  if (options.sink !== undefined) {
    sink = options.sink;
  } else if (mode === 'router') {
    remote = createRemoteSink(config.server.collector_url as string, {
      adminToken: config.server.admin_token,
      maxQueueRows: config.storage.queue_max_rows,
      maxBatchBytes: Math.min(3 * 1024 * 1024, Math.floor(config.server.body_limit_bytes * 0.75)),
      metrics: createCollectorMetrics(telemetry.meter),
      logger,
      random,
    });
    sink = remote;
  } else {
    storage = await startStorageOrShutdown(config, telemetry, { logger, store: options.store, wrapInsert: options.wrapInsert });
    sink = storage.collector.sink;
  }
  if (options.tee !== undefined) {
    const primary = sink;
    const tee = options.tee;
    sink = { write: (record) => (primary.write(record), tee.write(record)) };
  }
  const clients = createProviderClients(config, { clock });
  const table = buildRouteTable(config, clients, clock);
  let routerListening = false;

  const workloads = Object.keys(config.workloads).map((name) => table.forWorkload(name));
  const sharedLimits = config.server.shared_limits === undefined ? undefined : await connectSharedLimits(config.server.shared_limits, { logger, meter: telemetry.meter });
  const shadow = createShadowMirror({
    table,
    workloads,
    sink,
    clock,
    random,
    meter: telemetry.meter,
    logger,
    tracer: telemetry.tracer,
    ...(sharedLimits === undefined ? {} : { sharedLimits }),
  });
  // Daily shadow budgets hold the day's stored spend: a restart does not begin the day at
  // zero, and routers writing to the same storage share one cap.
  // Workloads that mirror under a daily cap: the only ones whose spend is read.
  const budgeted = Object.keys(config.workloads).filter((name) => {
    const shadow = config.workloads[name]?.shadow;
    return shadow !== undefined && shadow.sample_rate > 0 && shadow.daily_budget_usd !== undefined;
  });
  const remoteSpend =
    budgeted.length > 0 && options.spendSource === undefined && storage === undefined && remote !== undefined
      ? remoteSpendSource(config.server.collector_url as string, { adminToken: config.server.admin_token })
      : undefined;
  const spendSource = options.spendSource ?? storage?.collector.storedSpend ?? remoteSpend;
  const spendSync = budgeted.length > 0 && spendSource !== undefined ? startSpendSync({ source: spendSource, target: shadow, clock, logger, meter: telemetry.meter }) : undefined;
  const admin = buildAdminApp({
    listen: config.server.admin_listen,
    adminToken: config.server.admin_token,
    bodyLimitBytes: config.server.body_limit_bytes,
    telemetry,
    readiness: [
      { name: 'router', ready: () => routerListening },
      { name: 'evaluator', ready: () => evaluation?.ready() ?? true },
    ],
    logger,
  });
  let evaluation: Evaluation | undefined;
  let poller: { stop(): Promise<void> } | undefined;
  let eligibility: EligibilitySource;
  let currentFeed: () => EligibilityFeed | undefined = () => undefined;
  if (options.eligibility !== undefined) {
    eligibility = options.eligibility;
  } else if (storage !== undefined && options.evaluate !== false) {
    const feed = createFeedEligibility({ graceMs: config.server.feed_grace_ms, clock, logger, meter: telemetry.meter });
    evaluation = await startEvaluation(config, storage.store, admin, { clock, logger, thread: options.evaluatorThread ?? options.clock === undefined });
    evaluation.publisher.subscribe((published) => feed.update(published));
    eligibility = feed;
    currentFeed = () => evaluation?.publisher.current;
  } else if (mode === 'router' && config.server.feed_url !== undefined) {
    const feed = createFeedEligibility({ graceMs: config.server.feed_grace_ms, clock, logger, meter: telemetry.meter });
    poller = startFeedPoller({ url: config.server.feed_url, adminToken: config.server.admin_token, target: feed, logger });
    eligibility = feed;
    currentFeed = () => feed.current();
  } else {
    if (mode === 'router') logger.warn('no server.feed_url: failover goes to every certified secondary, without parity gating');
    eligibility = everyCertifiedRouteEligible;
  }
  // Drills live in this router's memory: with N routers, start one on each.
  const drills = new DrillBoard({ workloads, clock, random, eligibility });
  registerDrillRoutes(admin, drills);
  admin.get('/v1/routes', async () =>
    routeRows(config, currentFeed(), {
      breaker: (route) => table.routes.get(route)?.breaker.state ?? 'unknown',
      shadowSpendToday: (workload) => shadow.spendToday(workload),
    }),
  );

  const router = buildRouterApp({
    config,
    table,
    sink,
    eligibility,
    clock,
    random,
    meter: telemetry.meter,
    logger,
    shadow,
    tracer: telemetry.tracer,
    drills,
  });
  const closeSink = async (): Promise<void> => {
    await spendSync?.stop();
    await remoteSpend?.close();
    await storage?.close();
    await remote?.close(config.server.shutdown_grace_ms);
  };

  const adminAddress = parseListen(config.server.admin_listen);
  const routerAddress = parseListen(config.server.listen);
  let adminUrl: string;
  let routerUrl: string;
  try {
    if (storage !== undefined) await storage.collector.mountRoutes(admin);
    if (spendSync !== undefined) {
      // Local storage answers at once; a collector that does not is retried in the background.
      const first = spendSync.syncNow();
      const read = storage !== undefined || (await withinGrace(first, remoteSpendWaitMs)) ? await first : false;
      if (read) logger.info({ spent_usd: Object.fromEntries(budgeted.map((name) => [name, shadow.spendToday(name)])) }, 'shadow budgets hold the day\'s stored spend');
    }
    adminUrl = await admin.listen({ host: adminAddress.host, port: adminAddress.port });
    try {
      routerUrl = await router.listen({ host: routerAddress.host, port: routerAddress.port });
    } catch (err) {
      await admin.close();
      throw err;
    }
  } catch (err) {
    await shadow.stop();
    await sharedLimits?.close();
    await clients.close();
    await closeSink();
    await evaluation?.stop();
    await poller?.stop();
    await telemetry.shutdown();
    throw err;
  }
  routerListening = true;

  let closing: Promise<void> | undefined;
  return {
    routerUrl,
    adminUrl,
    storage,
    evaluation,
    eligibility,
    shadow,
    drills,
    close: () =>
      (closing ??= (async () => {
        routerListening = false;
        const inTime = await withinGrace(router.close(), config.server.shutdown_grace_ms);
        if (!inTime) logger.warn({ grace_ms: config.server.shutdown_grace_ms }, 'in-flight requests did not finish within the grace period');
        // Shadow calls still running are recorded before the sink closes; queued ones were dropped.
        await withinGrace(shadow.drain(), config.server.shutdown_grace_ms);
        await sharedLimits?.close();
        await poller?.stop();
        await evaluation?.stop();
        await admin.close();
        // Records of the requests (and ingest bodies) just finished are flushed before storage closes.
        await closeSink();
        await clients.close();
        await telemetry.shutdown();
      })()),
  };
}

/** Whether `work` settled within `ms`; the timer never outlives the wait. */
async function withinGrace(work: Promise<unknown>, ms: number): Promise<boolean> {
  const grace = new AbortController();
  try {
    return await Promise.race([work.then(() => true), sleep(ms, grace.signal).then(() => false)]);
  } finally {
    grace.abort();
  }
}
