// The evaluator as a running part of a process (`start`, `evaluator`): its loop over the
// store, its feed publisher, the alert webhook, and GET /v1/eligibility on the admin app.

import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ClickHouseStore, Clock } from '../core/index.ts';
import { clientSql, createAlertSender, createEvaluator, createEvaluatorStore, FeedPublisher, registerFeedRoute, startEvaluatorThread } from '../evaluator/index.ts';
import type { Evaluator } from '../evaluator/index.ts';
import type { Config } from '../schemas/index.ts';

export interface Evaluation {
  readonly publisher: FeedPublisher;
  readonly evaluator: Evaluator;
  /** Ready once the first evaluation has published a feed. */
  ready(): boolean;
  stop(): Promise<void>;
}

export interface EvaluationOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Run the evaluator on a worker thread (its own event loop and heap; the system clock).
   * `warmpath start` does, beside its router: a run scoring thousands of pairs on the
   * router's thread raised the primary's p99 by 10–20% in the shadow benchmark.
   */
  readonly thread?: boolean;
}

export async function startEvaluation(config: Config, store: ClickHouseStore, admin: FastifyInstance, deps: EvaluationOptions): Promise<Evaluation> {
  const publisher = new FeedPublisher(config.evaluator.feed_ttl_ms);
  const sql = clientSql(store.client);
  // On a thread the evaluator sends its own alerts.
  const alerts = deps.thread === true || config.alerts.webhook === undefined ? undefined : createAlertSender({ url: config.alerts.webhook, logger: deps.logger });
  const evaluator =
    deps.thread === true
      ? startEvaluatorThread({ config, database: store.database, sql, publisher, logger: deps.logger })
      : createEvaluator({
          config,
          store: createEvaluatorStore({ sql, database: store.database }),
          publisher,
          alerts,
          clock: deps.clock,
          logger: deps.logger,
        });
  try {
    await evaluator.restore();
  } catch (err) {
    await evaluator.stop();
    throw err;
  }
  registerFeedRoute(admin, publisher);
  evaluator.start();
  return {
    publisher,
    evaluator,
    ready: () => publisher.current !== undefined,
    async stop() {
      await evaluator.stop();
      await alerts?.drain(2000);
      alerts?.stop();
    },
  };
}
