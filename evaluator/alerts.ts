// Eligibility changes pushed to `alerts.webhook`: JSON POSTs retried with backoff from a
// bounded queue. A dead webhook costs queue slots and log lines, never evaluation time.

import type { FastifyBaseLogger } from 'fastify';
import { request } from 'undici';
import { sleep } from '../core/clock.ts';

export interface EligibilityChange {
  readonly type: 'eligibility_changed';
  readonly ts: string;
  readonly workload: string;
  readonly route: string;
  readonly eligible: boolean;
  readonly reasons: readonly string[];
  readonly pass_rate: number | null;
  readonly lower_bound: number | null;
  readonly samples: number;
}

export interface AlertSender {
  send(change: EligibilityChange): void;
  /** Waits until the queue is empty (tests, shutdown); gives up after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
  stop(): void;
}

export interface AlertOptions {
  readonly url: string;
  readonly logger: FastifyBaseLogger;
  readonly attempts?: number;
  readonly baseDelayMs?: number;
  readonly timeoutMs?: number;
  readonly maxQueued?: number;
}

export function createAlertSender(options: AlertOptions): AlertSender {
  const attempts = options.attempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxQueued = options.maxQueued ?? 1000;
  const queue: EligibilityChange[] = [];
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  let dropped = 0;

  async function deliver(change: EligibilityChange): Promise<void> {
    for (let attempt = 1; attempt <= attempts && !stopping.signal.aborted; attempt++) {
      try {
        const response = await request(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'warmpath' },
          body: JSON.stringify(change),
          signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(options.timeoutMs ?? 5000)]),
        });
        await response.body.dump();
        if (response.statusCode < 300) return;
        if (response.statusCode < 500 && response.statusCode !== 429) {
          options.logger.error({ status: response.statusCode, url: options.url }, 'alert webhook refused the event; not retrying');
          return;
        }
      } catch {
        // Retried below like a 5xx.
      }
      if (attempt < attempts) await sleep(baseDelayMs * 2 ** (attempt - 1), stopping.signal).catch(() => undefined);
    }
    if (!stopping.signal.aborted) options.logger.error({ url: options.url, workload: change.workload, route: change.route }, `alert webhook failed ${attempts} times; event dropped`);
  }

  async function pump(): Promise<void> {
    while (queue.length > 0 && !stopping.signal.aborted) await deliver(queue.shift() as EligibilityChange);
    running = undefined;
  }

  return {
    send(change) {
      if (queue.length >= maxQueued) {
        queue.shift();
        if (dropped++ === 0) options.logger.error({ url: options.url }, 'alert queue full: dropping the oldest events');
      }
      queue.push(change);
      running ??= pump();
    },
    async drain(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (running !== undefined && Date.now() < deadline) await sleep(10);
    },
    stop() {
      stopping.abort();
    },
  };
}
