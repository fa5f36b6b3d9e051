// Runs an HttpAdapter against its upstream with undici: one connection pool per provider,
// keep-alive, the caller's AbortSignal for timeouts and client disconnects, answers read
// through dispatch handlers of our own (dispatch-request.ts).

import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Agent, type Dispatcher } from 'undici';
import type { ProviderConfig } from '../schemas/index.ts';
import { failure, transportFailure } from './classify.ts';
import { requestStream, requestText } from './dispatch-request.ts';
import { estimatedCount } from './token-estimate.ts';
import { UpstreamStreamError } from './types.ts';
import type {
  CallOptions,
  CompletionResult,
  EmbeddingsResult,
  HttpAdapter,
  ProviderClient,
  StreamEvent,
  StreamResult,
  TokenCountResult,
  UpstreamFailure,
  UpstreamRequest,
  UpstreamTarget,
} from './types.ts';

export interface HttpClientOptions {
  /** Longest silence allowed inside a streaming body once it started. */
  readonly streamIdleTimeoutMs?: number;
}

export function createHttpProviderClient(
  adapter: HttpAdapter,
  provider: ProviderConfig,
  options: HttpClientOptions = {},
): ProviderClient {
  const target: UpstreamTarget = {
    baseUrl: provider.base_url ?? '',
    apiKey: provider.api_key,
    headers: provider.headers,
    anthropicVersion: provider.anthropic_version,
  };
  const agent = new Agent({
    connections: provider.max_connections,
    keepAliveTimeout: 30_000,
    // The per-attempt AbortSignal is the deadline up to the answer or first chunk.
    headersTimeout: 0,
    bodyTimeout: options.streamIdleTimeoutMs ?? 300_000,
  });

  const targets = new UrlCache();

  /** The dispatch options of an adapter's request, or why it cannot be sent. */
  function dispatchOf(upstream: UpstreamRequest | UpstreamFailure, signal: AbortSignal): Dispatcher.DispatchOptions | UpstreamFailure {
    if (!('url' in upstream)) return upstream;
    try {
      const { origin, path } = targets.parse(upstream.url);
      return { origin, path, method: 'POST', headers: upstream.headers, body: upstream.body };
    } catch (cause) {
      return transportFailure(cause, signal);
    }
  }

  // Not async: the caller's await is the only promise on the way to undici's.
  function post<T>(
    send: (dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, signal: AbortSignal) => Promise<T>,
    upstream: UpstreamRequest | UpstreamFailure,
    signal: AbortSignal,
  ): Promise<T | UpstreamFailure> {
    const options = dispatchOf(upstream, signal);
    if (!('path' in options)) return Promise.resolve(options);
    return send(agent, options, signal).catch((cause: unknown) => transportFailure(cause, signal));
  }

  const embeddings = adapter.embeddings;
  async function embed(inputs: readonly string[], callOptions: CallOptions): Promise<EmbeddingsResult> {
    if (embeddings === undefined) return { ok: false, failure: failure('bad_request', 0, `${adapter.kind} providers have no embeddings API`) };
    if (inputs.length === 0) return { ok: true, vectors: [], inputTokens: 0 };
    const answer = await post(requestText, embeddings.toUpstream(inputs, callOptions.model, target), callOptions.signal);
    if (!('statusCode' in answer)) return { ok: false, failure: answer };
    return embeddings.fromUpstream(answer.statusCode, answer.text, answer.headers, inputs.length);
  }

  const tokenCount = adapter.tokenCount;

  return {
    kind: adapter.kind,
    ...(embeddings === undefined ? {} : { embed }),

    async countTokens(request, callOptions): Promise<TokenCountResult> {
      if (tokenCount === undefined) return estimatedCount(request);
      const answer = await post(requestText, tokenCount.toUpstream(request, callOptions.model, target), callOptions.signal);
      if (!('statusCode' in answer)) return { ok: false, failure: answer };
      return tokenCount.fromUpstream(answer.statusCode, answer.text, answer.headers);
    },

    async complete(request, callOptions): Promise<CompletionResult> {
      const answer = await post(requestText, adapter.toUpstream(request, callOptions.model, false, target), callOptions.signal);
      if (!('statusCode' in answer)) return { ok: false, failure: answer };
      return adapter.fromUpstream(answer.statusCode, answer.text, answer.headers);
    },

    async stream(request, callOptions): Promise<StreamResult> {
      const response = await post(requestStream, adapter.toUpstream(request, callOptions.model, true, target), callOptions.signal);
      if (!('statusCode' in response)) return { ok: false, failure: response };
      const contentType = String(response.headers['content-type'] ?? '');
      if (response.statusCode !== 200 || !contentType.includes('text/event-stream')) {
        let text = '';
        try {
          text = await response.body.text();
        } catch (cause) {
          return { ok: false, failure: transportFailure(cause, callOptions.signal) };
        }
        const answer = adapter.fromUpstream(response.statusCode, text, response.headers);
        if (!answer.ok) return answer;
        return {
          ok: false,
          failure: failure('malformed_response', response.statusCode, `upstream answered a stream request with ${contentType || 'no content type'}`),
        };
      }
      const events = streamEvents(response.body, adapter, callOptions.signal);
      const head: StreamEvent[] = [];
      try {
        const first = await events.next();
        if (first.done === true) {
          return { ok: false, failure: failure('empty_stream', 200, 'upstream closed the stream before the first chunk') };
        }
        head.push(first.value);
      } catch (cause) {
        const f = cause instanceof UpstreamStreamError ? cause.failure : transportFailure(cause, callOptions.signal);
        // Before the first chunk a break is an empty stream: retryable, nothing was sent.
        return { ok: false, failure: f.errorClass === 'truncated' ? { ...f, errorClass: 'empty_stream', retryable: true } : f };
      }
      return { ok: true, head, rest: { [Symbol.asyncIterator]: () => events } };
    },

    async close() {
      await agent.close();
    },
  };
}

async function* streamEvents(
  body: AsyncIterable<Uint8Array> & { destroy(err?: Error): unknown },
  adapter: HttpAdapter,
  signal: AbortSignal,
): AsyncGenerator<StreamEvent, void, undefined> {
  const translate = adapter.createStreamTranslator();
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => pending.push(message) });
  const decoder = new TextDecoder();
  let finished = false;
  try {
    for await (const bytes of body) {
      parser.feed(decoder.decode(bytes, { stream: true }));
      while (pending.length > 0) {
        const step = translate(pending.shift() as EventSourceMessage);
        yield* step.events;
        if (step.done) {
          finished = true;
          return;
        }
      }
    }
  } catch (cause) {
    if (cause instanceof UpstreamStreamError) throw cause;
    const f = transportFailure(cause, signal);
    throw new UpstreamStreamError(f.errorClass === 'connection' ? { ...f, errorClass: 'truncated', retryable: false } : f);
  } finally {
    if (!finished) body.destroy();
  }
  throw new UpstreamStreamError(failure('truncated', 200, 'upstream closed the stream before it finished'));
}

/**
 * Origin and path of the upstream URLs a client calls: an adapter builds its few URLs
 * from the provider's base_url, so each is parsed once rather than twice per request.
 */
class UrlCache {
  readonly #parsed = new Map<string, { readonly origin: string; readonly path: string }>();

  parse(url: string): { readonly origin: string; readonly path: string } {
    let entry = this.#parsed.get(url);
    if (entry === undefined) {
      const parsed = new URL(url);
      entry = { origin: parsed.origin, path: parsed.pathname + parsed.search };
      // Bounded for an adapter that ever puts something per request in its URL.
      if (this.#parsed.size >= 64) this.#parsed.clear();
      this.#parsed.set(url, entry);
    }
    return entry;
  }
}
