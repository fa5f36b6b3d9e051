// Spans for warmpath's own traces, with the OpenTelemetry GenAI semantic-convention
// attributes plus warmpath's: one per client request (server), one per upstream attempt
// (client, its child), one per shadow or twin call (linked to the primary's span).

import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type SpanContext, type Tracer, context as apiContext } from '@opentelemetry/api';
import type { ErrorClass, ExchangeRecord, ProviderKind } from '../schemas/index.ts';

export function startRequestSpan(tracer: Tracer, requestModel: string, workload: string): Span {
  return tracer.startSpan(`chat ${requestModel}`, {
    kind: SpanKind.SERVER,
    attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': requestModel, 'warmpath.workload': workload, 'warmpath.shadow': false },
  });
}

export function contextOf(span: Span): Context {
  // A non-recording span has no children worth a context object on the hot path.
  return span.isRecording() ? trace.setSpan(apiContext.active(), span) : ROOT_CONTEXT;
}

export function startAttemptSpan(tracer: Tracer, parent: Context, system: ProviderKind, model: string, route: string, attempt: number): Span {
  return tracer.startSpan(
    `chat ${model}`,
    {
      kind: SpanKind.CLIENT,
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.system': system, 'gen_ai.request.model': model, 'warmpath.route': route, 'warmpath.attempt': attempt },
    },
    parent,
  );
}

export function endAttemptSpan(span: Span, status: number, errorClass: ErrorClass | null): void {
  if (status > 0) span.setAttribute('http.response.status_code', status);
  if (errorClass !== null) {
    span.setAttribute('error.type', errorClass);
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorClass });
  }
  span.end();
}

export function startShadowSpan(tracer: Tracer, primary: SpanContext | undefined, system: ProviderKind, model: string, route: string, kind: string, workload: string): Span {
  return tracer.startSpan(`chat ${model}`, {
    kind: SpanKind.CLIENT,
    root: true,
    links: primary === undefined ? [] : [{ context: primary, attributes: { 'warmpath.link': 'primary' } }],
    attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.system': system, 'gen_ai.request.model': model,
      'warmpath.workload': workload, 'warmpath.route': route, 'warmpath.shadow': true, 'warmpath.shadow.kind': kind,
    },
  });
}

/** The answer's figures, on the request span and on shadow spans alike. */
export function endWithRecord(span: Span, record: ExchangeRecord, system?: ProviderKind): void {
  if (!span.isRecording()) {
    span.end();
    return;
  }
  span.setAttributes({
    'gen_ai.response.model': record.model,
    'gen_ai.usage.input_tokens': record.usage.input_tokens,
    'gen_ai.usage.output_tokens': record.usage.output_tokens,
    'warmpath.route': record.route,
    'warmpath.fallback': record.fallback,
    'warmpath.record_id': record.record_id,
    'http.response.status_code': record.status,
  });
  if (system !== undefined) span.setAttribute('gen_ai.system', system);
  if (record.finish_reason !== null) span.setAttribute('gen_ai.response.finish_reasons', [record.finish_reason]);
  if (record.outcome !== 'ok') {
    span.setAttribute('error.type', record.error_class ?? record.outcome);
    span.setStatus({ code: SpanStatusCode.ERROR, message: record.error_class ?? record.outcome });
  }
  span.end();
}
