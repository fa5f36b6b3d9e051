// The OpenAI-compatible proxy: identity → route plan → execute (retries, failover) → answer
// (JSON or SSE) → one exchange record to the sink. Nothing here waits on storage. Anthropic
// Messages requests (POST /v1/messages) are translated to the chat shape on the way in and
// their answers back on the way out (wire.ts); in between they are served the same way.

import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { ProxyTracerProvider, type Meter, type Span, type Tracer } from '@opentelemetry/api';
import { fastify, LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Clock, Random } from '../core/clock.ts';
import { WarmpathError } from '../core/errors.ts';
import { installErrorHandling } from '../core/http-errors.ts';
import { UpstreamStreamError, summariseCompletion, type AnswerSummary, type StreamEvent } from '../providers/index.ts';
import { chatRequestSchema, messagesCountTokensSchema, messagesRequestSchema, responsesInputTokensSchema, responsesRequestSchema } from '../schemas/index.ts';
import type { ChatRequest, Config, ErrorClass, ExchangeOutcome, ExchangeSink, MessagesRequest, ResponsesRequest, VirtualKey } from '../schemas/index.ts';
import { DrillBoard, DrillPass, type Drill } from './drill.ts';
import type { EligibilitySource } from './eligibility.ts';
import { countTokensHandler, messagesCounting, responsesCounting } from './count-tokens.ts';
import { execute, executeInDrill, round, type Execution, type ExecutionContext } from './execute.ts';
import { clientClosedStatus, failureResponse, streamBreakStatus } from './failure-response.ts';
import { authenticate, createKeyIndex, resolveIdentity, type Identity } from './identity.ts';
import { chatRequestOf } from './messages-request.ts';
import { chatRequestOfResponses } from './responses-request.ts';
import { createRouterMetrics, type RouterMetrics } from './metrics.ts';
import { StreamAccumulator, buildRecord } from './record.ts';
import type { RouteTable, WorkloadRoutes } from './route-table.ts';
import { createShadowMirror, type ShadowMirror } from './shadow.ts';
import { contextOf, endWithRecord, startRequestSpan } from './tracing.ts';
import { messagesErrorRenderer, messagesWire, openAIWire, responsesWire, type Wire } from './wire.ts';

const noopTracer = new ProxyTracerProvider().getTracer('warmpath');

export interface RouterDeps {
  readonly config: Config;
  readonly table: RouteTable;
  readonly sink: ExchangeSink;
  readonly eligibility: EligibilitySource;
  readonly clock: Clock;
  readonly random: Random;
  readonly meter: Meter;
  readonly logger: FastifyBaseLogger;
  /** Defaults to a mirror built from the route table; tests inject their own to drain it. */
  readonly shadow?: ShadowMirror;
  /** Defaults to the no-op tracer. */
  readonly tracer?: Tracer;
  /** Failover drills (the admin API starts them); defaults to a board of this app's own. */
  readonly drills?: DrillBoard;
}

declare module 'fastify' {
  interface FastifyRequest {
    virtualKey: VirtualKey | undefined;
  }
}

/** Shadow mirroring needs every workload's routes: resolve them once. */
function allWorkloads(deps: RouterDeps): WorkloadRoutes[] {
  return Object.keys(deps.config.workloads).map((name) => deps.table.forWorkload(name));
}

export function buildRouterApp(deps: RouterDeps): FastifyInstance {
  const { config, clock } = deps;
  const app = fastify({
    loggerInstance: deps.logger,
    // One id per request names it everywhere: the response headers, the exchange record
    // (record_id), the log lines (reqId) and the spans.
    genReqId: () => randomUUID(),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.server.body_limit_bytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
  });
  installErrorHandling(app, (request) => (speaksAnthropic(request) ? messagesErrorRenderer : undefined));
  // On shutdown, keep-alive connections close as soon as their in-flight answer is out,
  // so the drain ends when the work ends rather than at a client's keep-alive timeout.
  app.addHook('preClose', async () => {
    app.server.keepAliveTimeout = 1;
    // Node 24 adds a buffer (1 s by default) to the keep-alive timeout; not while draining.
    (app.server as { keepAliveTimeoutBuffer?: number }).keepAliveTimeoutBuffer = 0;
    app.server.closeIdleConnections();
  });
  const keys = createKeyIndex(config.keys);
  const metrics = createRouterMetrics(deps.meter, deps.table);
  const tracer = deps.tracer ?? noopTracer;
  const shadow =
    deps.shadow ??
    createShadowMirror({ table: deps.table, workloads: allWorkloads(deps), sink: deps.sink, clock, random: deps.random, meter: deps.meter, logger: deps.logger, tracer });
  const drills = deps.drills ?? new DrillBoard({ workloads: allWorkloads(deps), clock, random: deps.random, eligibility: deps.eligibility });
  // Queued shadow calls are dropped at shutdown; running ones finish and are recorded.
  app.addHook('onClose', async () => shadow.stop());

  app.decorateRequest('virtualKey', undefined);
  // Callback style: an async hook costs every request a promise and a microtask.
  app.addHook('onRequest', (request, reply, done) => {
    // Set before anything can fail, so errors carry the id too. Each SDK reads its own
    // header (OpenAI's x-request-id, Anthropic's request-id: its clients always send
    // anthropic-version) into `_request_id` and into the errors it raises.
    reply.header('x-warmpath-request-id', request.id);
    reply.header(request.headers['anthropic-version'] === undefined ? 'x-request-id' : 'request-id', request.id);
    try {
      request.virtualKey = authenticate(request.headers, keys);
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  });

  // Workloads are the models clients name. Anthropic's SDK always sends anthropic-version,
  // and reads its own shape of the same list.
  const visibleWorkloads = (key: VirtualKey | undefined): string[] => (key?.workload === undefined ? Object.keys(config.workloads) : [key.workload]);
  app.get('/v1/models', async (request) => {
    const names = visibleWorkloads(request.virtualKey);
    if (request.headers['anthropic-version'] === undefined) return { object: 'list', data: names.map(openAIModel) };
    return { data: names.map(anthropicModel), has_more: false, first_id: names[0] ?? null, last_id: names.at(-1) ?? null };
  });
  app.get<{ Params: { model: string } }>('/v1/models/:model', async (request) => {
    const name = request.params.model;
    if (!visibleWorkloads(request.virtualKey).includes(name)) {
      throw new WarmpathError('RTR_UNKNOWN_WORKLOAD', `"${name}" is not a workload this key can use`, { param: 'model' });
    }
    return request.headers['anthropic-version'] === undefined ? openAIModel(name) : anthropicModel(name);
  });

  /** One request, from identity to record, whichever API it came in on. */
  async function serve(wire: Wire, body: ChatRequest, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const identity = resolveIdentity(request.headers, body.model, request.virtualKey, config);
    const startedAtMs = clock.now();
    const started = clock.monotonic();
    const requestId = request.id;
    const clientGone = new AbortController();
    const inFlight: ExecutionContext['inFlight'] = { attempt: undefined };
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished) return;
      const reason = new DOMException('client closed the connection', 'AbortError');
      clientGone.abort(reason);
      inFlight.attempt?.abort(reason);
    });
    const routes = deps.table.forWorkload(identity.workload.name);
    const stream = body.stream === true;
    const span = startRequestSpan(tracer, body.model, identity.workload.name);
    // Without a drill running anywhere this is a size check; `pass` is made for drawn requests only.
    const drill = drills.activeFor(identity.workload.name);
    const pass = drill !== undefined && drill.draw() ? new DrillPass() : undefined;
    const ctx: ExecutionContext = {
      request: body,
      stream,
      routes,
      eligibility: deps.eligibility.snapshot(),
      clientSignal: clientGone.signal,
      inFlight,
      clock,
      random: deps.random,
      metrics,
      tracer,
      parent: contextOf(span),
    };
    const execution = pass === undefined ? await execute(ctx) : await executeInDrill(ctx, drill as Drill, pass);
    const served: Served = { deps, metrics, shadow, wire, span, routes, identity, body, execution, requestId, startedAtMs, started, drill, pass };
    reply.header('x-warmpath-route', execution.route.config.name);
    reply.header('x-warmpath-fallback', execution.fallback ? '1' : '0');
    if (pass !== undefined) {
      reply.header('x-warmpath-drill', (drill as Drill).id);
      if (span.isRecording()) span.setAttribute('warmpath.drill', (drill as Drill).id);
    }
    const answer = execution.answer;
    if (answer === undefined) return replyFailure(served, reply);
    if (!answer.stream) {
      reply.code(200).type('application/json').send(wire.answer(answer.result, requestId));
      finish(served, 200, 'ok', null, null, summariseCompletion(answer.result.completion));
      return reply;
    }
    await relayStream(served, reply, answer.result.head, answer.result.rest, clientGone.signal);
    return reply;
  }

  app.post('/v1/chat/completions', { schema: { body: chatRequestSchema } }, (request, reply) => serve(openAIWire, request.body as ChatRequest, request, reply));

  app.post('/v1/messages', { schema: { body: messagesRequestSchema } }, async (request, reply) =>
    serve(messagesWire, chatRequestOf(request.body as MessagesRequest), request, reply),
  );

  app.post('/v1/responses', { schema: { body: responsesRequestSchema } }, async (request, reply) => {
    const body = request.body as ResponsesRequest;
    return serve(responsesWire(body, Math.floor(clock.now() / 1000)), chatRequestOfResponses(body), request, reply);
  });

  const counting = { config, table: deps.table, logger: deps.logger };
  app.post('/v1/messages/count_tokens', { schema: { body: messagesCountTokensSchema } }, countTokensHandler(counting, messagesCounting));
  app.post('/v1/responses/input_tokens', { schema: { body: responsesInputTokensSchema } }, countTokensHandler(counting, responsesCounting));

  // What OpenAI's SDK asks of stored responses: a clear answer instead of an unknown path.
  const notStored = async (request: FastifyRequest) => {
    throw new WarmpathError('REQ_NOT_FOUND', `${request.method} ${request.routeOptions.url ?? ''}: warmpath is a stateless gateway and keeps no responses (every response says store: false)`);
  };
  app.get('/v1/responses/:id', notStored);
  app.delete('/v1/responses/:id', notStored);
  app.post('/v1/responses/:id/cancel', notStored);
  app.get('/v1/responses/:id/input_items', notStored);
  app.post('/v1/responses/compact', async () => {
    throw new WarmpathError('REQ_UNSUPPORTED', "POST /v1/responses/compact cannot be served: compacted items are opaque to every model but OpenAI's own, and warmpath routes in the OpenAI chat shape");
  });

  return app;
}

const modelRoutes: ReadonlySet<string> = new Set(['/v1/models', '/v1/models/:model']);
const messagesRoutes: ReadonlySet<string> = new Set(['/v1/messages', '/v1/messages/count_tokens']);

/**
 * Whether a request's errors, validation and authentication included, leave in Anthropic's
 * shape: everything on /v1/messages and its count_tokens, and the model routes the two SDKs
 * share when the request carries anthropic-version (Anthropic's SDK always sends it).
 */
function speaksAnthropic(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route === undefined) return false;
  if (messagesRoutes.has(route)) return true;
  return modelRoutes.has(route) && request.headers['anthropic-version'] !== undefined;
}

function openAIModel(id: string) {
  return { id, object: 'model', created: 0, owned_by: 'warmpath' };
}

function anthropicModel(id: string) {
  return { type: 'model', id, display_name: id, created_at: '1970-01-01T00:00:00Z', capabilities: null, deprecated_at: null, lifecycle: 'active', line: null };
}

interface Served {
  readonly deps: RouterDeps;
  readonly metrics: RouterMetrics;
  readonly shadow: ShadowMirror;
  readonly wire: Wire;
  readonly span: Span;
  readonly routes: WorkloadRoutes;
  readonly identity: Identity;
  readonly body: ChatRequest;
  readonly execution: Execution;
  readonly requestId: string;
  readonly startedAtMs: number;
  readonly started: number;
  /** The drill running on the workload when the request came in (drawn or baseline). */
  readonly drill: Drill | undefined;
  /** Set when the request was drawn into `drill`. */
  readonly pass: DrillPass | undefined;
}

function replyFailure(s: Served, reply: FastifyReply): FastifyReply {
  const f = s.execution.failure;
  const response =
    f === undefined
      ? { status: 502, body: { error: { message: 'no route answered', type: 'upstream_error', param: null, code: 'RTR_UPSTREAM_ERROR' } }, headers: {} }
      : failureResponse(f, s.execution.route.config.name);
  for (const [k, v] of Object.entries(response.headers)) reply.header(k, v);
  if (response.status !== clientClosedStatus) reply.code(response.status).type('application/json').send(s.wire.failure(response.status, response.body, s.requestId));
  else reply.code(response.status).send();
  finish(s, response.status, 'error', f?.errorClass ?? 'server_error', null, undefined);
  return reply;
}

async function relayStream(
  s: Served,
  reply: FastifyReply,
  head: readonly StreamEvent[],
  rest: AsyncIterable<StreamEvent>,
  clientSignal: AbortSignal,
): Promise<void> {
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const ttftMs = s.deps.clock.monotonic() - s.started;
  const accumulator = new StreamAccumulator();
  const framer = s.wire.stream(s.body, s.requestId);
  const send = async (event: StreamEvent): Promise<void> => {
    accumulator.add(event.chunk);
    const text = framer.event(event);
    if (text === '') return;
    if (!raw.write(text)) await once(raw, 'drain', { signal: clientSignal });
  };
  let outcome: ExchangeOutcome = 'ok';
  let errorClass: ErrorClass | null = null;
  let status = 200;
  try {
    for (const event of head) await send(event);
    for await (const event of rest) await send(event);
    raw.end(framer.end());
  } catch (cause) {
    if (clientSignal.aborted) {
      outcome = 'error';
      errorClass = 'cancelled';
      status = clientClosedStatus;
      s.execution.route.breaker.release();
    } else {
      const f = cause instanceof UpstreamStreamError ? cause.failure : undefined;
      outcome = 'truncated';
      errorClass = 'truncated';
      // After the first byte there is no failover: the client's stream ends with an error event.
      const message = `upstream stream broke after it started (route ${s.execution.route.config.name}): ${f?.message ?? String(cause)}`;
      raw.end(framer.broke(message, 'RTR_STREAM_TRUNCATED', streamBreakStatus(f?.errorClass)));
      s.execution.route.breaker.recordFailure();
    }
  }
  finish(s, status, outcome, errorClass, ttftMs, accumulator.summary());
}

function finish(
  s: Served,
  status: number,
  outcome: ExchangeOutcome,
  errorClass: ErrorClass | null,
  ttftMs: number | null,
  answer: AnswerSummary | undefined,
): void {
  const latencyMs = s.deps.clock.monotonic() - s.started;
  const route = s.execution.route;
  s.metrics.request(s.identity.workload.name, route.config.name, outcome, s.execution.fallback, latencyMs / 1000);
  if (s.drill !== undefined) {
    if (s.pass === undefined) s.drill.recordBaseline(route === s.routes.primary, outcome, errorClass, latencyMs);
    else {
      s.drill.recordDrawn(s.pass, outcome, errorClass, latencyMs);
      s.metrics.drill(s.identity.workload.name, s.pass.route, s.pass.outcome);
    }
  }
  const record = buildRecord({
    recordId: s.requestId,
    kind: 'primary',
    pairId: s.requestId,
    requestId: s.requestId,
    startedAtMs: s.startedAtMs,
    tenant: s.identity.tenant,
    workload: s.identity.workload.name,
    feature: s.identity.feature,
    session: s.identity.session,
    route: route.config.name,
    provider: route.config.provider,
    model: route.config.model,
    api: s.wire.api,
    price: route.config.price,
    request: s.body,
    stream: s.body.stream === true,
    status,
    outcome,
    errorClass,
    fallback: s.execution.fallback,
    attempts: s.execution.attempts,
    latencyMs: round(latencyMs),
    ttftMs,
    answer,
  });
  s.deps.sink.write(record);
  endWithRecord(s.span, record, route.provider.kind);
  s.shadow.afterPrimary(s.routes, s.body, record, s.span.spanContext());
}

