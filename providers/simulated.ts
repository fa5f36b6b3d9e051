// The `simulated` provider: answers locally with the route's configured behaviour (see
// simulated-answer.ts), for demos, drills, tests and benchmarks. Deterministic under a
// seeded `random` when calls are made one after another.

import { sleep } from '../core/clock.ts';
import type { Clock, Random } from '../core/clock.ts';
import type { ChatRequest, RouteConfig } from '../schemas/index.ts';
import { failure, transportFailure } from './classify.ts';
import { answerChunks, effectiveBehaviour, simulateAnswer, simulatedPromptTokens } from './simulated-answer.ts';
import { simulatedEmbedding } from './simulated-embeddings.ts';
import type { SimulatedOutcome } from './simulated-answer.ts';
import { UpstreamStreamError } from './types.ts';
import type { CallOptions, CompletionResult, EmbeddingsResult, ProviderClient, StreamEvent, StreamResult, TokenCountResult, UpstreamFailure } from './types.ts';

export interface SimulatedClientDeps {
  readonly clock: Clock;
  readonly random: Random;
}

/** Shortest wait worth a timer between stream chunks; shorter gaps are summed until they reach it. */
const minChunkWaitMs = 2;

export function createSimulatedClient(route: RouteConfig, deps: SimulatedClientDeps): ProviderClient {
  const { clock, random } = deps;

  function outcomeFor(request: ChatRequest): SimulatedOutcome {
    const nowMs = clock.now();
    return simulateAnswer(request, effectiveBehaviour(route.simulate, nowMs), random, route.model, nowMs);
  }

  /** Waits `ms` (no timer at all for 0); the failure to return when the signal aborted. */
  async function wait(ms: number, signal: AbortSignal): Promise<UpstreamFailure | undefined> {
    try {
      if (signal.aborted) throw signal.reason;
      if (ms > 0) await sleep(ms, signal);
      return undefined;
    } catch (cause) {
      return transportFailure(cause, signal);
    }
  }

  function errorFailure(outcome: Extract<SimulatedOutcome, { kind: 'error' }>): UpstreamFailure {
    return failure(outcome.errorClass, outcome.status, outcome.message);
  }

  return {
    kind: 'simulated',

    async complete(request: ChatRequest, options: CallOptions): Promise<CompletionResult> {
      const outcome = outcomeFor(request);
      const aborted = await wait(outcome.latencyMs, options.signal);
      if (aborted !== undefined) return { ok: false, failure: aborted };
      if (outcome.kind === 'error') return { ok: false, failure: errorFailure(outcome) };
      return { ok: true, completion: outcome.completion, json: JSON.stringify(outcome.completion) };
    },

    async stream(request: ChatRequest, options: CallOptions): Promise<StreamResult> {
      const outcome = outcomeFor(request);
      const { signal } = options;
      if (outcome.kind === 'error') {
        const aborted = await wait(outcome.latencyMs, signal);
        return { ok: false, failure: aborted ?? errorFailure(outcome) };
      }
      const aborted = await wait(outcome.ttftMs, signal);
      if (aborted !== undefined) return { ok: false, failure: aborted };
      const events = answerChunks(outcome.completion).map((chunk): StreamEvent => ({ chunk, data: JSON.stringify(chunk) }));
      const [first, ...others] = events;
      if (first === undefined) return { ok: false, failure: failure('empty_stream', 200, 'simulated stream has no chunks') };
      const gapMs = others.length === 0 ? 0 : Math.max(0, outcome.latencyMs - outcome.ttftMs) / others.length;
      return { ok: true, head: [first], rest: restOfStream(others, gapMs, outcome.breakAfterChunk, signal) };
    },

    // Instant and error-free whatever `simulate` says: the behaviour knobs shape chat answers.
    async embed(inputs: readonly string[], options: CallOptions): Promise<EmbeddingsResult> {
      if (options.signal.aborted) return { ok: false, failure: transportFailure(options.signal.reason, options.signal) };
      return { ok: true, vectors: inputs.map((text) => simulatedEmbedding(text)), inputTokens: inputs.reduce((n, text) => n + Math.ceil(text.length / 4), 0) };
    },

    // The count the route's answers report as prompt_tokens; instant, like embeddings.
    async countTokens(request: ChatRequest, options: CallOptions): Promise<TokenCountResult> {
      if (options.signal.aborted) return { ok: false, failure: transportFailure(options.signal.reason, options.signal) };
      return { ok: true, inputTokens: simulatedPromptTokens(request), countedBy: 'provider' };
    },

    async close(): Promise<void> {},
  };
}

/** Chunks after the head, spread over the rest of the latency; breaks after chunk `breakAfter`. */
async function* restOfStream(
  events: readonly StreamEvent[],
  gapMs: number,
  breakAfter: number | undefined,
  signal: AbortSignal,
): AsyncGenerator<StreamEvent, void, undefined> {
  // The head was chunk 0, so events[i] is chunk i + 1.
  if (breakAfter === 0) throw streamBreak();
  let owedMs = 0;
  for (const [i, event] of events.entries()) {
    owedMs += gapMs;
    if (owedMs >= minChunkWaitMs) {
      try {
        await sleep(owedMs, signal);
      } catch (cause) {
        throw new UpstreamStreamError(transportFailure(cause, signal));
      }
      owedMs = 0;
    }
    yield event;
    if (breakAfter === i + 1) throw streamBreak();
  }
}

function streamBreak(): UpstreamStreamError {
  return new UpstreamStreamError(failure('truncated', 200, 'simulated stream break'));
}
