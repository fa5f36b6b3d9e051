// Shadow limits held across router replicas. With `server.shared_limits`, each shadow lane's
// bottleneck limiter joins a cluster of the same id in one Redis, so max_rps and
// max_concurrency are totals over every router instead of per process (the design's "shadow
// limits that must hold across router instances use bottleneck's Redis clustering").
//
// Redis is only consulted for shadow calls: the primary path never waits on it. While it does
// not answer, shadow calls wait in their lane's bounded queue and are dropped, counted, when
// it fills; nothing is sent to a secondary without the shared limits' consent.

import type { Meter } from '@opentelemetry/api';
import Bottleneck from 'bottleneck';
import type { FastifyBaseLogger } from 'fastify';
import type { SharedLimitsConfig } from '../schemas/index.ts';

export interface SharedLimits {
  /** Bottleneck options making a limiter one member of the cluster named `lane`. */
  clusterOptions(lane: string): Bottleneck.ConstructorOptions;
  /** Closes the connections; call after every limiter using them has stopped. */
  close(): Promise<void>;
}

export interface SharedLimitsDeps {
  readonly logger: FastifyBaseLogger;
  readonly meter: Meter;
}

/** A Redis URL as it may be logged. */
export function redisLocation(redisUrl: string): string {
  const url = new URL(redisUrl);
  const db = url.pathname.replace(/^\//, '') || '0';
  return `${url.protocol}//${url.host}/${db}`;
}

/**
 * Connects to the shared Redis. Does not wait for it: limiters created before it answers
 * queue their calls until it does.
 */
export async function connectSharedLimits(config: SharedLimitsConfig, deps: SharedLimitsDeps): Promise<SharedLimits> {
  // Loaded only when shared limits are configured: most routers never talk to a Redis.
  const { Redis } = await import('ioredis');
  const where = redisLocation(config.redis_url);
  const client = new Redis(config.redis_url, {
    connectionName: 'warmpath-shadow-limits',
    // A command waits through a few reconnects, then fails, so its lane counts the calls
    // as dropped instead of holding them for the whole outage.
    maxRetriesPerRequest: 3,
  });
  const connection = new Bottleneck.IORedisConnection({ client, Redis } as Bottleneck.IORedisConnectionOptions & { Redis: typeof Redis });
  let connected = false;
  let closing = false;
  // One line when the link goes and one when it is back, not one per reconnect attempt.
  let reportedDown = false;
  client.on('ready', () => {
    if (closing) return;
    connected = true;
    if (reportedDown) deps.logger.info({ redis: where }, 'shared shadow limits: Redis answers again');
    else deps.logger.info({ redis: where }, 'shared shadow limits: connected to Redis');
    reportedDown = false;
  });
  const down = (err?: Error): void => {
    connected = false;
    if (closing || reportedDown) return;
    reportedDown = true;
    deps.logger.error(
      { redis: where, err },
      'shared shadow limits: Redis does not answer; shadow calls wait in their queues and are dropped when they fill',
    );
  };
  client.on('error', down);
  client.on('close', () => down());
  connection.on('error', (err: unknown) => down(err instanceof Error ? err : new Error(String(err))));

  const gauge = deps.meter.createObservableGauge('warmpath_shared_limits_connected', {
    description: '1 while the Redis holding the shared shadow limits answers, else 0',
  });
  gauge.addCallback((result) => result.observe(connected ? 1 : 0, { redis: where }));

  return {
    clusterOptions: (lane) => ({
      id: `${config.key_prefix}:${lane}`,
      datastore: 'ioredis',
      connection,
      // Other routers' state lives there too: never wipe it.
      clearDatastore: false,
    }),
    async close() {
      closing = true;
      connected = false;
      await connection.disconnect(false);
    },
  };
}
