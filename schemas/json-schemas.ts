import configSchemaJson from './config.schema.json' with { type: 'json' };
import exchangeSchemaJson from './exchange.schema.json' with { type: 'json' };
import chatRequestSchemaJson from './chat-request.schema.json' with { type: 'json' };
import messagesRequestSchemaJson from './messages-request.schema.json' with { type: 'json' };
import responsesRequestSchemaJson from './responses-request.schema.json' with { type: 'json' };
import eligibilityFeedSchemaJson from './eligibility-feed.schema.json' with { type: 'json' };

/** JSON Schema of warmpath.yaml (draft-07, validated with ajv in strict mode). */
export const configSchema: Readonly<Record<string, unknown>> = configSchemaJson;
/** JSON Schema of one exchange record, for NDJSON ingest. */
export const exchangeSchema: Readonly<Record<string, unknown>> = exchangeSchemaJson;
/** JSON Schema of POST /v1/chat/completions bodies, used as the fastify route schema. */
export const chatRequestSchema: Readonly<Record<string, unknown>> = chatRequestSchemaJson;
/** JSON Schema of POST /v1/messages bodies (Anthropic Messages), the fastify route schema. */
export const messagesRequestSchema: Readonly<Record<string, unknown>> = messagesRequestSchemaJson;
/**
 * JSON Schema of POST /v1/messages/count_tokens bodies: a Messages request without the need
 * for max_tokens, so a client can count the very request it is about to send.
 */
export const messagesCountTokensSchema: Readonly<Record<string, unknown>> = {
  ...messagesRequestSchemaJson,
  $id: 'https://warmpath.dev/schemas/messages-count-tokens.schema.json',
  title: 'Anthropic Messages token-count request, as warmpath accepts it on POST /v1/messages/count_tokens',
  required: ['model', 'messages'],
};
/** JSON Schema of POST /v1/responses bodies (OpenAI Responses, stateless), the fastify route schema. */
export const responsesRequestSchema: Readonly<Record<string, unknown>> = responsesRequestSchemaJson;
/**
 * JSON Schema of POST /v1/responses/input_tokens bodies: the Responses request whose input is
 * to be counted (the settings that do not change the count are accepted and ignored).
 */
export const responsesInputTokensSchema: Readonly<Record<string, unknown>> = {
  ...responsesRequestSchemaJson,
  $id: 'https://warmpath.dev/schemas/responses-input-tokens.schema.json',
  title: 'OpenAI Responses input-token count request, as warmpath accepts it on POST /v1/responses/input_tokens',
};
/** JSON Schema of the eligibility feed, GET /v1/eligibility. */
export const eligibilityFeedSchema: Readonly<Record<string, unknown>> = eligibilityFeedSchemaJson;
