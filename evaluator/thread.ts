// The host side of the evaluator's worker thread (thread-worker.ts): an Evaluator whose
// calls run on that thread. It answers the thread's SQL with the process's own client,
// relays its feed to the publisher routers subscribe to, and its log lines to the logger.

import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import type { Config, EligibilityEntry } from '../schemas/index.ts';
import type { Evaluator, RunSummary } from './evaluator.ts';
import type { StoreSql } from './store.ts';
import { errorText, PendingReplies, type EvaluatorMethod, type HostMessage, type ThreadData, type WorkerMessage } from './thread-protocol.ts';

export interface EvaluatorThreadOptions {
  readonly config: Config;
  readonly database: string;
  readonly sql: StoreSql;
  readonly publisher: { publish(routes: readonly EligibilityEntry[], nowMs: number): unknown };
  readonly logger: FastifyBaseLogger;
}

// Beside this file: .ts when run from sources, .js from dist.
const workerUrl = new URL(`./thread-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

const levelNames: Readonly<Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'>> = {
  10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal',
};

export function startEvaluatorThread(options: EvaluatorThreadOptions): Evaluator {
  const { sql, logger } = options;
  const data: ThreadData = { config: options.config, database: options.database };
  const worker = new Worker(workerUrl, { workerData: data });
  const calls = new PendingReplies<unknown>();
  let lastRunAt: number | undefined;
  let gone: Error | undefined;

  const post = (message: HostMessage): void => worker.postMessage(message);
  const answer = (id: number, work: Promise<string | undefined>): void => {
    work.then(
      (text) => post({ type: 'sql', id, ...(text === undefined ? {} : { text }) }),
      (err: unknown) => post({ type: 'sql', id, error: errorText(err) }),
    );
  };

  worker.on('message', (message: WorkerMessage) => {
    switch (message.type) {
      case 'select':
        answer(message.id, sql.selectJsonLines(message.query, message.params));
        return;
      case 'insert':
        answer(message.id, sql.insertJsonLines(message.table, Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength)).then(() => undefined));
        return;
      case 'publish':
        options.publisher.publish(message.routes, message.nowMs);
        return;
      case 'ran':
        lastRunAt = message.at;
        return;
      case 'log': {
        const { level, msg, ...fields } = JSON.parse(message.line) as { level: number; msg?: string } & Record<string, unknown>;
        logger[levelNames[level] ?? 'info'](fields, msg);
        return;
      }
      case 'done':
        calls.settle(message.id, message.error, message.value);
        return;
    }
  });
  const fail = (err: Error): void => {
    // 'exit' follows 'error': the first reason is the one kept.
    gone ??= err;
    calls.rejectAll(err);
  };
  worker.on('error', (err: unknown) => {
    logger.error({ err }, 'the evaluator thread failed: no more evaluations until a restart');
    fail(err instanceof Error ? err : new Error(String(err)));
  });
  worker.on('exit', (code) => fail(new Error(`the evaluator thread exited (code ${code})`)));

  function call<T>(method: EvaluatorMethod): Promise<T> {
    if (gone !== undefined) return Promise.reject(gone);
    return calls.ask((id) => post({ type: 'call', id, method })) as Promise<T>;
  }

  return {
    restore: () => call<void>('restore'),
    runOnce: () => call<RunSummary>('runOnce'),
    lastRun: () => lastRunAt,
    start() {
      call<void>('start').catch((err: unknown) => logger.error({ err }, 'the evaluator thread did not start'));
    },
    async stop() {
      if (gone === undefined) await call<void>('stop').catch(() => undefined);
      await worker.terminate();
    },
  };
}
