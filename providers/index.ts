import { seededRandom, type Clock } from '../core/clock.ts';
import type { Config, ProviderKind } from '../schemas/index.ts';
import { anthropicAdapter } from './anthropic.ts';
import { createHttpProviderClient } from './http-client.ts';
import { openaiAdapter } from './openai.ts';
import { createSimulatedClient } from './simulated.ts';
import type { HttpAdapter, ProviderClient } from './types.ts';

export type {
  CallOptions,
  CompletionResult,
  EmbeddingsAdapter,
  EmbeddingsResult,
  HttpAdapter,
  ProviderClient,
  SseMessage,
  StreamEvent,
  StreamResult,
  StreamTranslator,
  TokenCountAdapter,
  TokenCountResult,
  UpstreamFailure,
  UpstreamRequest,
  UpstreamTarget,
} from './types.ts';
export { UpstreamStreamError } from './types.ts';
export { summariseCompletion } from './answer-summary.ts';
export { estimatedCount, estimateInputTokens, IMAGE_TOKEN_ESTIMATE } from './token-estimate.ts';
export type { AnswerSummary } from './answer-summary.ts';
export { classifyStatus, failure, isRetryable, openAIErrorFailure, parseRetryAfter, transportFailure } from './classify.ts';
export { createHttpProviderClient } from './http-client.ts';
export { openaiAdapter } from './openai.ts';
export { fromEmbeddingsResponse, MAX_EMBEDDING_INPUTS, openaiEmbeddings, toEmbeddingsRequest } from './openai-embeddings.ts';
export { anthropicAdapter } from './anthropic.ts';
export { createSimulatedClient } from './simulated.ts';
export { SIMULATED_EMBEDDING_DIMENSIONS, simulatedEmbedding } from './simulated-embeddings.ts';

export const httpAdapters = {
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
} satisfies Record<Exclude<ProviderKind, 'simulated'>, HttpAdapter>;

export interface ProviderClients {
  /** The client that serves a route. HTTP providers share one pool across their routes. */
  forRoute(route: string): ProviderClient;
  close(): Promise<void>;
}

export function createProviderClients(config: Config, deps: { clock: Clock }): ProviderClients {
  const byProvider = new Map<string, ProviderClient>();
  const byRoute = new Map<string, ProviderClient>();
  for (const route of Object.values(config.routes)) {
    const provider = config.providers[route.provider];
    if (provider === undefined) throw new Error(`route ${route.name}: unknown provider ${route.provider}`);
    if (provider.kind === 'simulated') {
      // Each simulated route draws from its own stream, so one route's traffic never
      // shifts another's behaviour and a provider's seed replays the same run.
      const random = seededRandom((provider.seed * 0x9e3779b1 + nameHash(route.name)) >>> 0);
      byRoute.set(route.name, createSimulatedClient(route, { clock: deps.clock, random }));
      continue;
    }
    let client = byProvider.get(route.provider);
    if (client === undefined) {
      client = createHttpProviderClient(httpAdapters[provider.kind], provider);
      byProvider.set(route.provider, client);
    }
    byRoute.set(route.name, client);
  }
  return {
    forRoute(route) {
      const client = byRoute.get(route);
      if (client === undefined) throw new Error(`no provider client for route ${route}`);
      return client;
    },
    async close() {
      await Promise.all([...new Set(byRoute.values())].map((c) => c.close()));
    },
  };
}

function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
