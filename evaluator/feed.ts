// The eligibility feed the router obeys: GET /v1/eligibility on the admin listener, versioned
// JSON with an ETag, `If-None-Match` → 304, and long-poll with `?wait=SECONDS`. In-process
// routers subscribe instead of polling.

import type { FastifyInstance } from 'fastify';
import type { EligibilityEntry, EligibilityFeed } from '../schemas/index.ts';

export type FeedListener = (feed: EligibilityFeed) => void;

export class FeedPublisher {
  readonly #ttlS: number;
  #feed: EligibilityFeed | undefined;
  #routesJson = '';
  readonly #listeners = new Set<FeedListener>();
  readonly #waiters = new Set<() => void>();

  constructor(ttlMs: number) {
    this.#ttlS = Math.round(ttlMs / 1000);
  }

  get current(): EligibilityFeed | undefined {
    return this.#feed;
  }

  get etag(): string | undefined {
    return this.#feed === undefined ? undefined : `"${this.#feed.version}"`;
  }

  /** Publishes an evaluation; the version moves only when the routes changed. */
  publish(routes: readonly EligibilityEntry[], nowMs: number): EligibilityFeed {
    const routesJson = JSON.stringify(routes);
    const changed = routesJson !== this.#routesJson;
    this.#routesJson = routesJson;
    const version = (this.#feed?.version ?? 0) + (changed ? 1 : 0);
    this.#feed = { version, generated_at: new Date(nowMs).toISOString(), ttl_s: this.#ttlS, routes };
    for (const listener of this.#listeners) listener(this.#feed);
    if (changed) {
      for (const wake of this.#waiters) wake();
      this.#waiters.clear();
    }
    return this.#feed;
  }

  subscribe(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    if (this.#feed !== undefined) listener(this.#feed);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves when a new version is published, or after `ms`. */
  waitForChange(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

const maxWaitS = 60;

export function registerFeedRoute(app: FastifyInstance, publisher: FeedPublisher): void {
  app.get(
    '/v1/eligibility',
    {
      schema: {
        querystring: { type: 'object', additionalProperties: false, properties: { wait: { type: 'integer', minimum: 0, maximum: maxWaitS } } },
      },
    },
    async (request, reply) => {
      const wait = (request.query as { wait?: number }).wait ?? 0;
      const known = request.headers['if-none-match'];
      // A poller waiting on a version it has, or on the first feed, is answered on change.
      if (wait > 0 && (publisher.current === undefined || (known !== undefined && known === publisher.etag))) {
        const gone = new AbortController();
        request.raw.once('close', () => gone.abort());
        await publisher.waitForChange(wait * 1000, gone.signal);
      }
      const feed = publisher.current;
      if (feed === undefined) return reply.code(503).send({ error: { message: 'no evaluation has run yet', type: 'server_error', param: null, code: 'EVL_FEED_NOT_READY' } });
      reply.header('etag', publisher.etag).header('cache-control', 'no-cache');
      if (known !== undefined && known === publisher.etag) return reply.code(304).send();
      return reply.type('application/json').send(JSON.stringify(feed));
    },
  );
}
