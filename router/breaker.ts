// Per-route circuit breaker: opens after `failure_threshold` consecutive retryable failures,
// stays open for `cooldown_ms`, then lets exactly one probe through (half-open). The probe's
// success closes it; its failure opens it again for another cool-down.

import type { Clock } from '../core/clock.ts';
import type { BreakerConfig } from '../schemas/index.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** Prometheus-friendly numeric state: 0 closed, 1 half-open, 2 open. */
export const breakerStateValue: Readonly<Record<BreakerState, number>> = { closed: 0, half_open: 1, open: 2 };

export class CircuitBreaker {
  readonly #config: BreakerConfig;
  readonly #clock: Clock;
  #consecutiveFailures = 0;
  #openedAt = 0;
  #open = false;
  #probeInFlight = false;

  constructor(config: BreakerConfig, clock: Clock) {
    this.#config = config;
    this.#clock = clock;
  }

  get state(): BreakerState {
    if (!this.#open) return 'closed';
    return this.#clock.now() - this.#openedAt >= this.#config.cooldown_ms ? 'half_open' : 'open';
  }

  /** Whether a call may go through now; in half-open only one probe at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#probeInFlight) return false;
    this.#probeInFlight = true;
    return true;
  }

  /** The upstream answered (an answer, or a deterministic error: it is reachable). */
  recordSuccess(): void {
    this.#consecutiveFailures = 0;
    this.#open = false;
    this.#probeInFlight = false;
  }

  /** A retryable failure: timeout, connection, 429/5xx, malformed or truncated answer. */
  recordFailure(): void {
    this.#consecutiveFailures += 1;
    if (this.#probeInFlight || this.#consecutiveFailures >= this.#config.failure_threshold) {
      this.#open = true;
      this.#openedAt = this.#clock.now();
    }
    this.#probeInFlight = false;
  }

  /** The call ended without telling anything about the upstream (client went away). */
  release(): void {
    this.#probeInFlight = false;
  }
}
