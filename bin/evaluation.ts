// The evaluator as a running part of a process (`start`, `evaluator`): its loop over the
// store, its feed publisher, the alert webhook, and GET /v1/eligibility on the admin app.

import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ClickHouseStore, Clock } from '../core/index.ts';
import { createAlertSender, createEvaluator, createEvaluatorStore, FeedPublisher, registerFeedRoute } from '../evaluator/index.ts';
import type { Evaluator } from '../evaluator/index.ts';
import type { Config } from '../schemas/index.ts';

export interface Evaluation {
  readonly publisher: FeedPublisher;
  readonly evaluator: Evaluator;
  /** Ready once the first evaluation has published a feed. */
  ready(): boolean;
  stop(): Promise<void>;
}

export async function startEvaluation(config: Config, store: ClickHouseStore, admin: FastifyInstance, deps: { clock: Clock; logger: Logger }): Promise<Evaluation> {
  const publisher = new FeedPublisher(config.evaluator.feed_ttl_ms);
  const alerts = config.alerts.webhook === undefined ? undefined : createAlertSender({ url: config.alerts.webhook, logger: deps.logger });
  const evaluator = createEvaluator({
    config,
    store: createEvaluatorStore({ client: store.client, database: store.database }),
    publisher,
    alerts,
    clock: deps.clock,
    logger: deps.logger,
  });
  await evaluator.restore();
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
