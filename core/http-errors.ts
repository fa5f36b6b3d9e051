// The one place an error becomes an HTTP answer: every error, ours or fastify's, leaves in
// OpenAI's error shape so SDK clients raise their usual exceptions (Anthropic's shape on the
// routes that speak Anthropic's API, through a renderer).

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OpenAIErrorBody } from '../schemas/index.ts';
import { WarmpathError, errorCodes, type ErrorCode } from './errors.ts';

export function openAIError(message: string, type: string, code: string | null, param: string | null = null): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

export function errorBodyOf(err: WarmpathError): OpenAIErrorBody {
  return { ...err.details, ...openAIError(err.message, err.type, err.code, err.param ?? null) };
}

const fastifyCodeMap: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'REQ_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'REQ_UNSUPPORTED_MEDIA',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'REQ_INVALID',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'REQ_INVALID',
  FST_ERR_CTP_INVALID_JSON_BODY: 'REQ_INVALID',
};

/** Maps any thrown error to a WarmpathError (fastify validation and parser errors included). */
export function toWarmpathError(err: unknown): WarmpathError {
  if (err instanceof WarmpathError) return err;
  const fe = err as Partial<FastifyError> & { validation?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[] };
  if (fe.validation !== undefined && fe.validation.length > 0) {
    const first = fe.validation[0];
    const path = (first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const extra = first?.params?.allowedValues !== undefined ? ` (${(first.params.allowedValues as unknown[]).join(', ')})` : '';
    // The member a `required` or `additionalProperties` failure is about, which its path omits.
    const member = first?.params?.missingProperty ?? first?.params?.additionalProperty;
    const param = [path, member === undefined ? '' : String(member)].filter((s) => s !== '').join('.') || null;
    const named = first?.params?.additionalProperty !== undefined ? ` ('${String(first.params.additionalProperty)}')` : '';
    return new WarmpathError('REQ_INVALID', `${path === '' ? 'body' : path} ${first?.message ?? 'is invalid'}${extra}${named}`, {
      cause: err,
      ...(param === null ? {} : { param }),
    });
  }
  if (fe.code !== undefined && fe.code in fastifyCodeMap) {
    return new WarmpathError(fastifyCodeMap[fe.code] as ErrorCode, fe.message, { cause: err });
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new WarmpathError('REQ_INVALID', fe.message, { cause: err, status: fe.statusCode });
  }
  return new WarmpathError('INTERNAL', undefined, { cause: err });
}

/** Renders an error's OpenAI-shaped body in another API's shape (Anthropic's, on /v1/messages). */
export type ErrorRenderer = (status: number, body: OpenAIErrorBody, requestId: string) => unknown;

export function sendError(reply: FastifyReply, err: WarmpathError, render?: ErrorRenderer): FastifyReply {
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  const body = errorBodyOf(err);
  return reply.code(err.status).type('application/json').send(JSON.stringify(render === undefined ? body : render(err.status, body, reply.request.id)));
}

/** Picks the shape of a request's errors: a renderer, or undefined for OpenAI's. */
export type ErrorShape = (request: FastifyRequest) => ErrorRenderer | undefined;

/**
 * Every error in `app` leaves through sendError, in the shape `shapeFor` picks for its
 * request (OpenAI's by default); unknown paths get a 404 in OpenAI's shape.
 */
export function installErrorHandling(app: FastifyInstance, shapeFor?: ErrorShape): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const mapped = toWarmpathError(err);
    if (mapped.status >= 500) request.log.error({ err }, mapped.message);
    return sendError(reply, mapped, shapeFor?.(request));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new WarmpathError('REQ_NOT_FOUND', `${request.method} ${request.url.split('?')[0] ?? ''}`)),
  );
}

export { errorCodes };
