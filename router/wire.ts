// How an inbound API frames what the router serves. The router works in OpenAI's chat shape
// throughout; a wire turns its answers, failures and stream chunks into the bytes one API's
// clients expect: OpenAI's chat completions as they came, OpenAI's Responses, or Anthropic's
// messages.

import type { ErrorCode } from '../core/errors.ts';
import type { ErrorRenderer } from '../core/http-errors.ts';
import type { ChatRequest, ExchangeApi, OpenAIErrorBody, ResponsesRequest } from '../schemas/index.ts';
import type { CompletionResult, StreamEvent } from '../providers/index.ts';
import { messageId, messagesAnswerOf, messagesErrorOf } from './messages-answer.ts';
import { MessagesStreamWriter } from './messages-stream.ts';
import { ResponseIds, responsesAnswerOf } from './responses-answer.ts';
import { ResponsesStreamWriter } from './responses-stream.ts';

export interface StreamFramer {
  /** The text to send for one upstream chunk; '' sends nothing. */
  event(event: StreamEvent): string;
  /** The text that ends a stream the upstream finished. */
  end(): string;
  /** The text that ends a stream the upstream broke after its first byte; `status` is what the break stands for (streamBreakStatus). */
  broke(message: string, code: ErrorCode, status: number): string;
}

/** An upstream's answer: the completion, its OpenAI JSON, and what OpenAI's shape cannot carry. */
export type Completed = Extract<CompletionResult, { ok: true }>;

export interface Wire {
  /** The body of a 200 answer. */
  answer(completed: Completed, requestId: string): string;
  /** The body of an error answer. */
  failure(status: number, body: OpenAIErrorBody, requestId: string): string;
  stream(request: ChatRequest, requestId: string): StreamFramer;
  /** Which API this is, as exchange records name it. */
  readonly api: ExchangeApi;
}

export const openAIWire: Wire = {
  answer: (completed) => completed.json,
  failure: (_status, body) => JSON.stringify(body),
  stream(request) {
    const includeUsage = request.stream_options?.include_usage === true;
    return {
      // Usage-only chunks were asked for by warmpath (to price the call), not by this client.
      event: (e) => (!includeUsage && e.chunk.choices.length === 0 ? '' : `data: ${e.data}\n\n`),
      end: () => 'data: [DONE]\n\n',
      broke: (message, code) => `data: ${JSON.stringify({ error: { message, type: 'upstream_error', param: null, code } })}\n\n`,
    };
  },
  api: 'chat_completions',
};

/** Error bodies in Anthropic's shape, for the routes that speak its API. */
export const messagesErrorRenderer: ErrorRenderer = messagesErrorOf;

export const messagesWire: Wire = {
  answer: (completed, requestId) => JSON.stringify(messagesAnswerOf(completed.completion, messageId(requestId), completed.stopSequence)),
  failure: (status, body, requestId) => JSON.stringify(messagesErrorOf(status, body, requestId)),
  stream(_request, requestId) {
    const writer = new MessagesStreamWriter(messageId(requestId));
    return {
      event: (e) => writer.chunk(e.chunk, e.stopSequence),
      end: () => writer.end(),
      broke: (message, code, status) => writer.error(status, message, code),
    };
  },
  api: 'messages',
};

/**
 * The Responses API's framing for one request: a Response echoes its request's settings, so
 * this wire is made per request. `createdAt` is when warmpath took it, in Unix seconds.
 * Errors keep OpenAI's shape, as the Responses API's own do.
 */
export function responsesWire(request: ResponsesRequest, createdAt: number): Wire {
  return {
    answer: (completed, requestId) => JSON.stringify(responsesAnswerOf(completed.completion, request, new ResponseIds(requestId), createdAt)),
    failure: openAIWire.failure,
    stream(_chat, requestId) {
      const writer = new ResponsesStreamWriter(request, new ResponseIds(requestId), createdAt);
      return {
        event: (e) => writer.chunk(e.chunk),
        end: () => writer.end(),
        broke: (message, code) => writer.error(message, code),
      };
    },
    api: 'responses',
  };
}
