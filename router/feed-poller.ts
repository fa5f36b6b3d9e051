// `warmpath router` on its own follows the evaluator's feed over HTTP: long-poll with
// If-None-Match, each 200 or 304 confirms the feed; errors back off and let it go stale, and
// so does a feed that fails its check (feed-document.ts), which is also counted as refused.

import type { FastifyBaseLogger } from 'fastify';
import { request } from 'undici';
import { sleep } from '../core/clock.ts';
import { isWarmpathError } from '../core/errors.ts';
import { parseFeed } from './feed-document.ts';
import type { FeedEligibility } from './feed-eligibility.ts';

export interface FeedPollerOptions {
  readonly url: string;
  readonly adminToken: string | undefined;
  readonly target: FeedEligibility;
  readonly logger: FastifyBaseLogger;
  readonly waitS?: number;
}

export function startFeedPoller(options: FeedPollerOptions): { stop(): Promise<void> } {
  const stopping = new AbortController();
  const waitS = options.waitS ?? 25;
  const url = new URL(options.url);
  if (!url.pathname.endsWith('/v1/eligibility')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/eligibility`;
  url.searchParams.set('wait', String(waitS));

  const loop = (async () => {
    let etag: string | undefined;
    let backoffMs = 500;
    while (!stopping.signal.aborted) {
      try {
        const response = await request(url, {
          method: 'GET',
          headers: {
            ...(etag === undefined ? {} : { 'if-none-match': etag }),
            ...(options.adminToken === undefined ? {} : { authorization: `Bearer ${options.adminToken}` }),
          },
          signal: AbortSignal.any([stopping.signal, AbortSignal.timeout((waitS + 10) * 1000)]),
        });
        if (response.statusCode === 200) {
          // A refused feed throws before the etag moves: the next poll asks again, after the back-off.
          const feed = parseFeed(await response.body.text());
          etag = String(response.headers.etag ?? '') || undefined;
          options.target.update(feed);
        } else {
          await response.body.dump();
          if (response.statusCode === 304) options.target.update(undefined);
          else throw new Error(`feed answered ${response.statusCode}`);
        }
        backoffMs = 500;
      } catch (err) {
        if (stopping.signal.aborted) break;
        if (isWarmpathError(err) && err.code === 'RTR_FEED_INVALID') options.target.refuse(err.message, options.url);
        else options.logger.warn({ err: (err as Error).message, url: options.url }, 'eligibility feed poll failed');
        await sleep(backoffMs, stopping.signal).catch(() => undefined);
        backoffMs = Math.min(backoffMs * 2, 30_000);
      }
    }
  })();

  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
