// POST /v1/messages/count_tokens: how many input tokens a Messages request is, counted for
// the workload's primary route, the one that serves it. Anthropic routes ask Anthropic's
// count_tokens; simulated routes give the count their answers report; OpenAI-compatible
// routes, which have no counting endpoint, get warmpath's tokenizer estimate. Clients such
// as Claude Code count before every turn to manage their context, so when the primary's
// provider cannot answer (breaker open, timeout, 5xx) the estimate stands in rather than
// an error; a deterministic refusal (400, 401) is relayed. The `x-warmpath-token-count`
// header says which count it is.

import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { estimatedCount, type TokenCountResult } from '../providers/index.ts';
import type { Config, MessagesTokenCountRequest } from '../schemas/index.ts';
import { failureResponse } from './failure-response.ts';
import { resolveIdentity } from './identity.ts';
import { chatRequestOf } from './messages-request.ts';
import type { RouteTable } from './route-table.ts';
import { messagesWire } from './wire.ts';

export interface CountTokensDeps {
  readonly config: Config;
  readonly table: RouteTable;
  readonly logger: FastifyBaseLogger;
}

export function countTokensHandler(deps: CountTokensDeps) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<{ input_tokens: number } | FastifyReply> => {
    const body = chatRequestOf(request.body as MessagesTokenCountRequest);
    const identity = resolveIdentity(request.headers, body.model, request.virtualKey, deps.config);
    const routes = deps.table.forWorkload(identity.workload.name);
    const route = routes.primary;
    const requestId = randomUUID();
    reply.header('x-warmpath-request-id', requestId);
    if (messagesWire.requestIdHeader !== undefined) reply.header(messagesWire.requestIdHeader, requestId);
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
      return reply.code(response.status).type('application/json').send(messagesWire.failure(response.status, response.body, requestId));
    }
    reply.header('x-warmpath-token-count', result.countedBy);
    return { input_tokens: result.inputTokens };
  };
}
