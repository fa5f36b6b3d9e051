// Token counts for the workload's primary route, the one that serves the request:
// POST /v1/messages/count_tokens (Anthropic's shape) and POST /v1/responses/input_tokens
// (OpenAI's Responses shape). Anthropic routes ask Anthropic's count_tokens; simulated
// routes give the count their answers report; OpenAI-compatible routes, which have no
// counting endpoint for the chat shape, get warmpath's tokenizer estimate. Clients such as
// Claude Code count before every turn to manage their context, so when the primary's
// provider cannot answer (breaker open, timeout, 5xx) the estimate stands in rather than
// an error; a deterministic refusal (400, 401) is relayed. The `x-warmpath-token-count`
// header says which count it is.

import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { estimatedCount, type TokenCountResult } from '../providers/index.ts';
import type { ChatRequest, Config, MessagesTokenCountRequest, ResponsesRequest } from '../schemas/index.ts';
import { failureResponse } from './failure-response.ts';
import { resolveIdentity } from './identity.ts';
import { chatRequestOf } from './messages-request.ts';
import { chatRequestOfResponses } from './responses-request.ts';
import type { RouteTable } from './route-table.ts';
import { messagesWire, openAIWire, type Wire } from './wire.ts';

export interface CountTokensDeps {
  readonly config: Config;
  readonly table: RouteTable;
  readonly logger: FastifyBaseLogger;
}

/** How one inbound API asks for a count and reads it. */
interface CountingApi {
  /** The request in the chat shape; throws the API's 400s. */
  readonly translate: (body: unknown) => ChatRequest;
  /** Frames failures (and names the request-id header) as the API's clients expect. */
  readonly wire: Wire;
  readonly answer: (inputTokens: number) => Record<string, unknown>;
}

export const messagesCounting: CountingApi = {
  translate: (body) => chatRequestOf(body as MessagesTokenCountRequest),
  wire: messagesWire,
  answer: (inputTokens) => ({ input_tokens: inputTokens }),
};

export const responsesCounting: CountingApi = {
  translate: (body) => chatRequestOfResponses(body as ResponsesRequest),
  wire: openAIWire,
  answer: (inputTokens) => ({ object: 'response.input_tokens', input_tokens: inputTokens }),
};

export function countTokensHandler(deps: CountTokensDeps, api: CountingApi) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<Record<string, unknown> | FastifyReply> => {
    const body = api.translate(request.body);
    const identity = resolveIdentity(request.headers, body.model, request.virtualKey, deps.config);
    const routes = deps.table.forWorkload(identity.workload.name);
    const route = routes.primary;
    const requestId = request.id;
    reply.header('x-warmpath-route', route.config.name);

    let result: TokenCountResult;
    if (route.breaker.state === 'open') {
      result = await estimatedCount(body);
    } else {
      result = await route.client.countTokens(body, { model: route.config.model, signal: AbortSignal.timeout(routes.workload.retry.timeout_ms) });
      if (!result.ok && result.failure.retryable) {
        deps.logger.warn({ route: route.config.name, error_class: result.failure.errorClass, reason: result.failure.message }, 'token count: the provider failed, answering with the estimate');
        result = await estimatedCount(body);
      }
    }
    if (!result.ok) {
      const response = failureResponse(result.failure, route.config.name);
      for (const [k, v] of Object.entries(response.headers)) reply.header(k, v);
      return reply.code(response.status).type('application/json').send(api.wire.failure(response.status, response.body, requestId));
    }
    reply.header('x-warmpath-token-count', result.countedBy);
    return api.answer(result.inputTokens);
  };
}
