// The optional model-assisted parity measures: embeddings of answers from a workload's
// embeddings route and verdicts of its LLM-judge route. Both go through the provider
// clients (providers/), each workload and measure behind its own bottleneck limiter
// (max_rps, max_concurrency), each call under its own timeout. A failure of either never
// throws: it comes back as a reason, and the pair falls back (evaluator/evidence.ts).

import Bottleneck from 'bottleneck';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../core/clock.ts';
import { createProviderClients, type EmbeddingsResult, type ProviderClients, type UpstreamFailure } from '../providers/index.ts';
import type { Config, ExchangeRequestContent, WorkloadConfig } from '../schemas/index.ts';
import { judgeRequest, parseJudgeAnswer } from './judge-prompt.ts';
import type { JudgeOutcome } from './scorers/index.ts';

/** Longest text sent to be embedded; embedding models take a few thousand tokens at most. */
export const EMBEDDING_MAX_CHARS = 8000;

export interface EmbeddedTexts {
  /** Vector per key, for the texts that were embedded. */
  readonly vectors: ReadonlyMap<string, readonly number[]>;
  /** Why a key has no vector. */
  readonly failures: ReadonlyMap<string, string>;
}

/** Calls and failures of one evaluation, per workload, for the run's log line. */
export interface AssistCounts {
  embeddingRequests: number;
  embeddingFailures: number;
  textsEmbedded: number;
  judgeCalls: number;
  judgeFailures: number;
}

export interface ParityAssist {
  /** Embeds texts (key → text) with the workload's embeddings route, in batches. */
  embed(workload: WorkloadConfig, texts: ReadonlyMap<string, string>): Promise<EmbeddedTexts>;
  /** Asks the workload's judge whether `candidate` is equivalent to `reference` for `request`. */
  judge(workload: WorkloadConfig, request: ExchangeRequestContent | undefined, reference: string, candidate: string): Promise<JudgeOutcome>;
  /** The counts since the last call, per workload. */
  takeCounts(): Map<string, AssistCounts>;
  /** Aborts calls in flight and drops queued ones (they fail as `cancelled`); then closes owned clients. Safe to call twice. */
  close(): Promise<void>;
}

export interface AssistDeps {
  readonly config: Config;
  /** Defaults to clients created from `config` (and closed by close()). */
  readonly clients?: ProviderClients;
  readonly clock: Clock;
  readonly logger: FastifyBaseLogger;
}

function limiter(limits: { max_rps: number; max_concurrency: number }): Bottleneck {
  return new Bottleneck({ maxConcurrent: limits.max_concurrency, minTime: Math.ceil(1000 / limits.max_rps) });
}

/** Undefined when no workload has an embeddings or judge route. */
export function createParityAssist(deps: AssistDeps): ParityAssist | undefined {
  const { config, logger } = deps;
  const assisted = Object.values(config.workloads).filter((w) => w.parity.embeddings !== undefined || w.parity.judge !== undefined);
  if (assisted.length === 0) return undefined;
  const clients = deps.clients ?? createProviderClients(config, { clock: deps.clock });
  const embedLimiters = new Map<string, Bottleneck>();
  const judgeLimiters = new Map<string, Bottleneck>();
  for (const w of assisted) {
    if (w.parity.embeddings !== undefined) embedLimiters.set(w.name, limiter(w.parity.embeddings));
    if (w.parity.judge !== undefined) judgeLimiters.set(w.name, limiter(w.parity.judge));
  }
  const stopping = new AbortController();
  let closed: Promise<void> | undefined;
  const describe = (failure: UpstreamFailure): string =>
    stopping.signal.aborted && failure.errorClass === 'cancelled'
      ? 'cancelled: the evaluator is stopping'
      : `${failure.errorClass}${failure.status > 0 ? ` ${failure.status}` : ''}: ${failure.message.slice(0, 160)}`;
  let counts = new Map<string, AssistCounts>();
  const countsOf = (workload: string): AssistCounts => {
    let c = counts.get(workload);
    if (c === undefined) counts.set(workload, (c = { embeddingRequests: 0, embeddingFailures: 0, textsEmbedded: 0, judgeCalls: 0, judgeFailures: 0 }));
    return c;
  };

  /** Runs `call` on the limiter with its own timeout; a dropped job or a throw becomes a failure. */
  async function limited<T>(on: Bottleneck, timeoutMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T | { readonly dropped: string }> {
    try {
      return await on.schedule(() => call(AbortSignal.any([AbortSignal.timeout(timeoutMs), stopping.signal])));
    } catch (err) {
      return { dropped: err instanceof Bottleneck.BottleneckError ? 'cancelled: the evaluator is stopping' : `unexpected error: ${String(err)}` };
    }
  }

  async function embedBatch(
    workload: WorkloadConfig,
    texts: readonly string[],
    keysOf: (text: string) => readonly string[],
    into: { vectors: Map<string, readonly number[]>; failures: Map<string, string> },
  ): Promise<void> {
    const spec = workload.parity.embeddings!;
    const route = config.routes[spec.route]!;
    const client = clients.forRoute(spec.route);
    const c = countsOf(workload.name);
    c.embeddingRequests++;
    const embed = client.embed?.bind(client);
    const result: EmbeddingsResult | { readonly dropped: string } =
      embed === undefined
        ? { dropped: `route ${spec.route} has no embeddings API` }
        : await limited(embedLimiters.get(workload.name)!, spec.timeout_ms, (signal) => embed(texts, { model: route.model, signal }));
    if ('dropped' in result || !result.ok) {
      const problem = 'dropped' in result ? result.dropped : describe(result.failure);
      c.embeddingFailures++;
      logger.debug({ workload: workload.name, route: spec.route, inputs: texts.length, problem }, 'embeddings request failed; pairs fall back to the embedded similarity');
      for (const text of texts) for (const key of keysOf(text)) into.failures.set(key, problem);
      return;
    }
    texts.forEach((text, i) => {
      for (const key of keysOf(text)) into.vectors.set(key, result.vectors[i]!);
    });
    c.textsEmbedded += texts.length;
  }

  return {
    async embed(workload, texts) {
      const into = { vectors: new Map<string, readonly number[]>(), failures: new Map<string, string>() };
      const spec = workload.parity.embeddings;
      if (spec === undefined) return into;
      // Equal texts (a deterministic primary and its twin) are sent once.
      const keysByText = new Map<string, string[]>();
      for (const [key, text] of texts) {
        // Empty inputs are refused by embeddings APIs; such a pair keeps the embedded measure.
        if (text.trim() === '') into.failures.set(key, 'empty answer');
        else {
          const input = text.length > EMBEDDING_MAX_CHARS ? text.slice(0, EMBEDDING_MAX_CHARS) : text;
          const same = keysByText.get(input);
          if (same === undefined) keysByText.set(input, [key]);
          else same.push(key);
        }
      }
      const inputs = [...keysByText.keys()];
      const batches: Promise<void>[] = [];
      for (let i = 0; i < inputs.length; i += spec.batch_size) {
        const batch = inputs.slice(i, i + spec.batch_size);
        batches.push(embedBatch(workload, batch, (text) => keysByText.get(text)!, into));
      }
      await Promise.all(batches);
      return into;
    },

    async judge(workload, request, reference, candidate) {
      const spec = workload.parity.judge!;
      const route = config.routes[spec.route]!;
      const client = clients.forRoute(spec.route);
      const c = countsOf(workload.name);
      c.judgeCalls++;
      const result = await limited(judgeLimiters.get(workload.name)!, spec.timeout_ms, (signal) =>
        client.complete(judgeRequest(spec.rubric, request, reference, candidate), { model: route.model, signal }),
      );
      let outcome: JudgeOutcome;
      if ('dropped' in result) outcome = { kind: 'failed', route: spec.route, reason: result.dropped };
      else if (!result.ok) outcome = { kind: 'failed', route: spec.route, reason: describe(result.failure) };
      else {
        const answer = parseJudgeAnswer(result.completion);
        outcome = answer.ok
          ? { kind: 'verdict', route: spec.route, equivalent: answer.equivalent, reason: answer.reason }
          : { kind: 'failed', route: spec.route, reason: `malformed_response: ${answer.problem}` };
      }
      if (outcome.kind === 'failed') {
        c.judgeFailures++;
        logger.debug({ workload: workload.name, route: spec.route, problem: outcome.reason }, 'judge call failed; the pair is not judged');
      }
      return outcome;
    },

    takeCounts() {
      const taken = counts;
      counts = new Map();
      return taken;
    },

    close() {
      closed ??= (async () => {
        stopping.abort(new DOMException('the evaluator is stopping', 'AbortError'));
        const all = [...embedLimiters.values(), ...judgeLimiters.values()];
        await Promise.all(all.map((l) => l.stop({ dropWaitingJobs: true }).catch(() => undefined)));
        if (deps.clients === undefined) await clients.close();
      })();
      return closed;
    },
  };
}

/** One log line per workload and run: a warning when calls failed, else debug. */
export function logAssistCounts(logger: FastifyBaseLogger, counts: ReadonlyMap<string, AssistCounts>): void {
  for (const [workload, c] of counts) {
    const failed = c.embeddingFailures + c.judgeFailures > 0;
    logger[failed ? 'warn' : 'debug'](
      {
        workload,
        embedding_requests: c.embeddingRequests,
        embedding_failures: c.embeddingFailures,
        texts_embedded: c.textsEmbedded,
        judge_calls: c.judgeCalls,
        judge_failures: c.judgeFailures,
      },
      failed ? 'embeddings or judge calls failed; the pairs concerned fell back (see their check details)' : 'embeddings and judge calls',
    );
  }
}
