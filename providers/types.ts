// The provider contract shared by the router and the evaluator. An HTTP adapter is data
// plus pure functions (request out, response in, stream events in); a ProviderClient runs
// one against an upstream (or, for `simulated`, answers locally).

import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatRequest,
  ErrorClass,
  OpenAIErrorBody,
  ProviderKind,
} from '../schemas/index.ts';

/** Why an upstream call failed, already translated to what an OpenAI client expects. */
export interface UpstreamFailure {
  readonly errorClass: ErrorClass;
  readonly retryable: boolean;
  /** Upstream HTTP status; 0 when none was received. */
  readonly status: number;
  readonly message: string;
  /** From Retry-After / retry-after-ms, when the upstream sent one. */
  readonly retryAfterMs: number | undefined;
  /** The upstream's error in OpenAI's shape, relayed as is for deterministic errors. */
  readonly body: OpenAIErrorBody;
}

export type CompletionResult =
  | {
      readonly ok: true;
      readonly completion: ChatCompletion;
      /** OpenAI JSON to relay. */
      readonly json: string;
      /**
       * The stop sequence that ended the answer, when the upstream said which (Anthropic
       * does, OpenAI does not). OpenAI's shape has no field for it, so it travels beside.
       */
      readonly stopSequence?: string;
    }
  | { readonly ok: false; readonly failure: UpstreamFailure };

export interface StreamEvent {
  readonly chunk: ChatCompletionChunk;
  /** The chunk serialised as OpenAI SSE `data:` payload. */
  readonly data: string;
  /** On the chunk that finishes the answer: the stop sequence that ended it, as CompletionResult's. */
  readonly stopSequence?: string;
}

/** Thrown by a stream's iterator when the upstream breaks after it started. */
export class UpstreamStreamError extends Error {
  readonly failure: UpstreamFailure;
  constructor(failure: UpstreamFailure) {
    super(failure.message);
    this.name = 'UpstreamStreamError';
    this.failure = failure;
  }
}

export type StreamResult =
  | {
      readonly ok: true;
      /** Events received before the call returned: at least one chunk. */
      readonly head: readonly StreamEvent[];
      /** The rest; throws UpstreamStreamError when the upstream breaks mid-stream. */
      readonly rest: AsyncIterable<StreamEvent>;
    }
  | { readonly ok: false; readonly failure: UpstreamFailure };

export interface CallOptions {
  /** Upstream model name (the route's `model`). */
  readonly model: string;
  /** Aborted on timeout (reason named 'TimeoutError') or when the client went away. */
  readonly signal: AbortSignal;
}

export type EmbeddingsResult =
  | {
      readonly ok: true;
      /** One vector per input, in input order, all of one dimension. */
      readonly vectors: readonly (readonly number[])[];
      /** Input tokens billed, when the upstream said. */
      readonly inputTokens: number | undefined;
    }
  | { readonly ok: false; readonly failure: UpstreamFailure };

/**
 * A request's input tokens: counted by the route's provider (Anthropic's count_tokens, the
 * simulated provider's own estimate) or, where the provider has no counting endpoint, by
 * warmpath's tokenizer (token-estimate.ts).
 */
export type TokenCountResult =
  | { readonly ok: true; readonly inputTokens: number; readonly countedBy: 'provider' | 'estimate' }
  | { readonly ok: false; readonly failure: UpstreamFailure };

export interface ProviderClient {
  readonly kind: ProviderKind;
  complete(request: ChatRequest, options: CallOptions): Promise<CompletionResult>;
  stream(request: ChatRequest, options: CallOptions): Promise<StreamResult>;
  /** The request's input tokens with the route's model, as the provider would bill them. */
  countTokens(request: ChatRequest, options: CallOptions): Promise<TokenCountResult>;
  /** Embeds a batch of texts with the route's model; absent when the provider has no embeddings API. */
  embed?(inputs: readonly string[], options: CallOptions): Promise<EmbeddingsResult>;
  close(): Promise<void>;
}

/** What an HTTP adapter needs to know about the provider it talks to. */
export interface UpstreamTarget {
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly anthropicVersion: string;
}

export interface UpstreamRequest {
  /** Absolute URL. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** One server-sent event as received. */
export interface SseMessage {
  readonly event?: string | undefined;
  readonly data: string;
}

/** Turns each upstream SSE message into zero or more OpenAI chunks, or signals the end. */
export type StreamTranslator = (message: SseMessage) => { readonly events: readonly StreamEvent[]; readonly done: boolean };

export interface HttpAdapter {
  readonly kind: Exclude<ProviderKind, 'simulated'>;
  /** Pure: the upstream request, or a failure when the request cannot be expressed there. */
  toUpstream(request: ChatRequest, model: string, stream: boolean, target: UpstreamTarget): UpstreamRequest | UpstreamFailure;
  /** Pure: the upstream's answer (status + body text + headers) as an OpenAI completion or a failure. */
  fromUpstream(status: number, body: string, headers: Readonly<Record<string, string | string[] | undefined>>): CompletionResult;
  /** Stateful per stream, pure per call sequence. */
  createStreamTranslator(): StreamTranslator;
  /** The provider's embeddings endpoint, when it has one. */
  readonly embeddings?: EmbeddingsAdapter;
  /** The provider's token-counting endpoint, when it has one. */
  readonly tokenCount?: TokenCountAdapter;
}

/** Pure request/answer transforms of a token-counting endpoint. */
export interface TokenCountAdapter {
  toUpstream(request: ChatRequest, model: string, target: UpstreamTarget): UpstreamRequest | UpstreamFailure;
  fromUpstream(status: number, body: string, headers: Readonly<Record<string, string | string[] | undefined>>): TokenCountResult;
}

/** Pure request/answer transforms of an embeddings endpoint. */
export interface EmbeddingsAdapter {
  /** The upstream request, or a failure when the inputs cannot be sent (none, or an empty one). */
  toUpstream(inputs: readonly string[], model: string, target: UpstreamTarget): UpstreamRequest | UpstreamFailure;
  /** The vectors in input order, or a failure; `inputCount` is how many vectors must come back. */
  fromUpstream(status: number, body: string, headers: Readonly<Record<string, string | string[] | undefined>>, inputCount: number): EmbeddingsResult;
}
