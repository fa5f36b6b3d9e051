// The router's copy of the eligibility feed, with the fail-safe rule: a feed not confirmed
// within its ttl is still used for a grace period, then no secondary is eligible (failover
// narrows to nothing) until a fresh feed arrives. Metrics and a log line say which.

import type { Meter } from '@opentelemetry/api';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../core/clock.ts';
import type { EligibilityFeed } from '../schemas/index.ts';
import { snapshotOfFeed, type EligibilitySnapshot, type EligibilitySource } from './eligibility.ts';

export type FeedFreshness = 'fresh' | 'grace' | 'expired' | 'none';

const freshnessValue: Readonly<Record<FeedFreshness, number>> = { fresh: 0, grace: 1, expired: 2, none: 3 };

const nothingEligible: EligibilitySnapshot = { isEligible: () => false };

export interface FeedEligibility extends EligibilitySource {
  /** A feed arrived or was confirmed unchanged (HTTP 304) at `clock.now()`. */
  update(feed: EligibilityFeed | undefined): void;
  freshness(): FeedFreshness;
  /** The last feed received, whatever its freshness. */
  current(): EligibilityFeed | undefined;
  /** A fetched feed failed its check (`reason` says where): counted and logged; the last good feed stays. */
  refuse(reason: string, source: string): void;
}

export function createFeedEligibility(options: { graceMs: number; clock: Clock; logger: FastifyBaseLogger; meter: Meter }): FeedEligibility {
  const { clock, logger } = options;
  let feed: EligibilityFeed | undefined;
  let snapshot: EligibilitySnapshot = nothingEligible;
  let confirmedAt = 0;
  let announced: FeedFreshness = 'none';

  const freshness = (): FeedFreshness => {
    if (feed === undefined) return 'none';
    const age = clock.now() - confirmedAt;
    if (age <= feed.ttl_s * 1000) return 'fresh';
    return age <= feed.ttl_s * 1000 + options.graceMs ? 'grace' : 'expired';
  };
  const announce = (state: FeedFreshness): void => {
    if (state === announced) return;
    announced = state;
    const age = feed === undefined ? undefined : Math.round((clock.now() - confirmedAt) / 1000);
    if (state === 'grace') logger.warn({ age_s: age }, 'eligibility feed is stale: keeping the last one for the grace period');
    else if (state === 'expired') logger.error({ age_s: age }, 'eligibility feed expired: failover disabled until a fresh feed arrives');
    else if (state === 'fresh') logger.info({ version: feed?.version }, 'eligibility feed is fresh');
  };

  const meter = options.meter;
  meter.createObservableGauge('warmpath_feed_age_seconds', { description: 'Seconds since the eligibility feed was last confirmed' }).addCallback((r) => {
    if (feed !== undefined) r.observe((clock.now() - confirmedAt) / 1000);
  });
  meter
    .createObservableGauge('warmpath_feed_state', { description: 'Eligibility feed: 0 fresh, 1 stale (grace), 2 expired (no failover), 3 none yet' })
    .addCallback((r) => r.observe(freshnessValue[freshness()]));
  const refused = meter.createCounter('warmpath_feed_refused_total', { description: 'Eligibility feeds fetched and refused: not JSON, or not a feed by its schema' });

  return {
    update(next) {
      if (next !== undefined && next !== feed) {
        feed = next;
        snapshot = snapshotOfFeed(next);
      }
      confirmedAt = clock.now();
      announce(freshness());
    },
    freshness,
    current: () => feed,
    refuse(reason, source) {
      refused.add(1);
      logger.error({ reason, source, version_kept: feed?.version }, 'eligibility feed refused: the last good one is kept until it goes stale');
    },
    snapshot() {
      const state = freshness();
      if (state !== announced) announce(state);
      return state === 'fresh' || state === 'grace' ? snapshot : nothingEligible;
    },
  };
}
