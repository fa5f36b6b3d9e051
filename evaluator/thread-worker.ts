// The evaluator in a worker thread: what `warmpath start` runs beside its router, so that
// scoring never holds the event loop the primary requests need, nor fills their heap.
// ClickHouse stays with the host (chDB binds its engine to one thread's connection): the
// store's two calls travel as messages, rows are parsed and serialised here.
//
// Imports stop short of core/clickhouse.ts: loading chDB's addon in a second thread
// stalled the host's queries (tmp probe, chdb 3.x).

import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { systemClock } from '../core/clock.ts';
import { createAlertSender } from './alerts.ts';
import { createEvaluator } from './evaluator.ts';
import { createEvaluatorStore, type StoreSql } from './store.ts';
import { errorText, PendingReplies, type EvaluatorMethod, type HostMessage, type ThreadData, type WorkerMessage } from './thread-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('evaluator/thread-worker.ts runs as a worker thread');
const { config, database } = workerData as ThreadData;
const post = (message: WorkerMessage): void => port.postMessage(message);

const replies = new PendingReplies<string | undefined>();
const sql: StoreSql = {
  async selectJsonLines(query, params) {
    return (await replies.ask((id) => post({ type: 'select', id, query, params }))) ?? '';
  },
  async insertJsonLines(table, body) {
    await replies.ask((id) => post({ type: 'insert', id, table, body }));
  },
};

// Lines go to the host's logger, which adds its own time, pid and base fields.
const logger = pino({ level: config.telemetry.log_level, base: undefined, timestamp: false }, { write: (line: string) => post({ type: 'log', line }) });
const alerts = config.alerts.webhook === undefined ? undefined : createAlertSender({ url: config.alerts.webhook, logger });
const evaluator = createEvaluator({
  config,
  store: createEvaluatorStore({ sql, database }),
  publisher: { publish: (routes, nowMs) => post({ type: 'publish', routes: [...routes], nowMs }) },
  alerts,
  clock: systemClock,
  logger,
  onRun: (at) => post({ type: 'ran', at }),
});

async function call(method: EvaluatorMethod): Promise<unknown> {
  switch (method) {
    case 'restore':
      return evaluator.restore();
    case 'runOnce':
      return evaluator.runOnce();
    case 'start':
      return evaluator.start();
    case 'stop':
      await evaluator.stop();
      await alerts?.drain(2000);
      alerts?.stop();
      return undefined;
  }
}

port.on('message', (message: HostMessage) => {
  if (message.type === 'sql') {
    replies.settle(message.id, message.error, message.text);
    return;
  }
  call(message.method).then(
    (value) => post({ type: 'done', id: message.id, value }),
    (err: unknown) => post({ type: 'done', id: message.id, error: errorText(err) }),
  );
});
