// The sink `warmpath router` uses when it runs alone: records are batched in memory and
// POSTed as NDJSON to `${server.collector_url}/v1/exchanges` with undici. One request in
// flight; failures (connection, timeout, 429, 5xx, 401/403) are retried with full-jitter
// exponential backoff while later records wait in a bounded queue. What does not fit is
// dropped and counted (warmpath_collector_records_dropped_total{reason="remote_queue_full"}),
// lines the collector refuses are counted as reason "remote_rejected"; each episode is
// logged once. The collector applies the workload's content mode: run collectors with
// the routers' workload config.

import { Agent, request, type Dispatcher } from 'undici';
import type { ExchangeSink } from '../schemas/index.ts';
import type { WriterLogger } from './batch-writer.ts';
import type { CollectorMetrics } from './metrics.ts';

export interface RemoteSinkOptions {
  /** Sent as `Authorization: Bearer …` (the collector's admin_token). */
  readonly adminToken?: string | undefined;
  readonly maxQueueRows?: number;
  readonly maxBatchRows?: number;
  /** Keep under the collector's server.body_limit_bytes. */
  readonly maxBatchBytes?: number;
  readonly maxDelayMs?: number;
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  readonly requestTimeoutMs?: number;
  readonly metrics: CollectorMetrics;
  readonly logger: WriterLogger;
  readonly random?: () => number;
}

export interface RemoteSink extends ExchangeSink {
  /** Resolves once every record written before the call was sent or dropped. */
  flush(): Promise<void>;
  /** Flushes for at most `graceMs`, then drops (and counts) what is left. */
  close(graceMs?: number): Promise<void>;
  stats(): { queued: number; sent: number; dropped: number };
}

interface IngestAnswer {
  accepted?: number;
  rejected?: number;
  errors?: { line: number; reason: string }[];
}

export function createRemoteSink(collectorUrl: string, options: RemoteSinkOptions): RemoteSink {
  const endpoint = `${collectorUrl.replace(/\/+$/, '')}/v1/exchanges`;
  const maxQueue = options.maxQueueRows ?? 100_000;
  const maxRows = options.maxBatchRows ?? 1000;
  const maxBytes = options.maxBatchBytes ?? 3 * 1024 * 1024;
  const maxDelay = options.maxDelayMs ?? 500;
  const random = options.random ?? Math.random;
  const timeout = options.requestTimeoutMs ?? 10_000;
  const dispatcher: Dispatcher = new Agent({ connections: 4, headersTimeout: timeout, bodyTimeout: timeout });
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
  if (options.adminToken !== undefined) headers.authorization = `Bearer ${options.adminToken}`;

  let queue: string[] = [];
  let written = 0;
  let handled = 0;
  let sent = 0;
  let dropped = 0;
  let droppingFull = 0;
  let failing = false;
  let attempt = 0;
  let cap = maxRows;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  let waiters: { target: number; resolve: () => void }[] = [];

  const drop = (rows: number, reason: string): void => {
    dropped += rows;
    options.metrics.dropped(rows, reason);
  };
  const settle = (): void => {
    waiters = waiters.filter((w) => (w.target > handled ? true : (w.resolve(), false)));
  };
  const schedule = (ms: number): void => {
    if (timer !== undefined || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      kick();
    }, ms);
    timer.unref();
  };
  const kick = (): void => {
    if (running !== undefined) return;
    running = pump().finally(() => {
      running = undefined;
      if (queue.length === 0) return;
      if (failing) schedule(backoff());
      else if (queue.length >= maxRows || waiters.length > 0) kick();
      else schedule(maxDelay);
    });
  };
  const backoff = (): number => Math.min(options.retryMaxMs ?? 30_000, (options.retryInitialMs ?? 200) * 2 ** Math.min(attempt, 20)) * random();

  /** Sends batches until the queue is empty or a send fails. */
  const pump = async (): Promise<void> => {
    while (queue.length > 0) {
      let rows = 0;
      let bytes = 0;
      while (rows < queue.length && rows < cap && (rows === 0 || bytes + (queue[rows] as string).length + 1 <= maxBytes)) {
        bytes += (queue[rows] as string).length + 1;
        rows += 1;
      }
      const outcome = await send(queue.slice(0, rows));
      if (outcome === 'retry') {
        attempt += 1;
        return;
      }
      if (outcome === 'too_large') {
        cap = Math.ceil(rows / 2);
        continue;
      }
      queue = queue.slice(rows);
      handled += rows;
      attempt = 0;
      cap = maxRows;
      settle();
    }
  };

  const send = async (batch: readonly string[]): Promise<'done' | 'retry' | 'too_large'> => {
    let status: number;
    let answer: IngestAnswer = {};
    try {
      const response = await request(endpoint, { method: 'POST', headers, body: `${batch.join('\n')}\n`, dispatcher });
      status = response.statusCode;
      const text = await response.body.text();
      try {
        answer = JSON.parse(text) as IngestAnswer;
      } catch {
        answer = {};
      }
    } catch (err) {
      if (!failing) options.logger.error({ err, endpoint }, 'cannot reach the collector: keeping records in memory and retrying');
      failing = true;
      return 'retry';
    }
    if (status === 413 && batch.length > 1) return 'too_large';
    if (status === 200 || status === 400 || status === 413) {
      if (failing) options.logger.info({ endpoint }, 'collector reachable again');
      failing = false;
      const rejected = status === 413 ? 1 : (answer.rejected ?? (status === 400 ? batch.length : 0));
      const accepted = status === 413 ? 0 : (answer.accepted ?? batch.length - rejected);
      sent += accepted;
      options.metrics.sent(accepted);
      if (rejected > 0) {
        drop(rejected, 'remote_rejected');
        options.logger.error({ status, rejected, errors: answer.errors?.slice(0, 5) }, 'the collector refused exchange records: dropped');
      }
      return 'done';
    }
    if (!failing) options.logger.error({ status, endpoint, error: answer }, 'collector answered with an error: retrying with backoff');
    failing = true;
    return 'retry';
  };

  const write = (record: Parameters<ExchangeSink['write']>[0]): void => {
    if (closed) {
      drop(1, 'remote_shut_down');
      return;
    }
    if (queue.length >= maxQueue) {
      if (droppingFull === 0) options.logger.error({ max_queue_rows: maxQueue }, 'remote sink queue full: dropping exchange records until the collector catches up');
      droppingFull += 1;
      drop(1, 'remote_queue_full');
      return;
    }
    if (droppingFull > 0) {
      options.logger.warn({ dropped: droppingFull }, 'remote sink queue accepting again');
      droppingFull = 0;
    }
    queue.push(JSON.stringify(record));
    written += 1;
    if (queue.length >= maxRows && !failing) kick();
    else schedule(failing ? backoff() : maxDelay);
  };

  const flush = (): Promise<void> => {
    const target = written;
    if (handled >= target) return Promise.resolve();
    return new Promise((resolve) => {
      waiters.push({ target, resolve });
      kick();
    });
  };

  return {
    write,
    flush,
    stats: () => ({ queued: queue.length, sent, dropped }),
    async close(graceMs = 10_000) {
      if (!closed) {
        const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
        await Promise.race([flush(), grace]);
        closed = true;
        if (timer !== undefined) clearTimeout(timer);
        if (queue.length > 0) {
          options.logger.error({ rows: queue.length }, 'collector unreachable at shutdown: exchange records dropped');
          drop(queue.length, 'remote_shut_down');
          handled += queue.length;
          queue = [];
          settle();
        }
        await dispatcher.close();
      }
    },
  };
}
