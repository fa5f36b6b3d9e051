// warmpath's own traces, read with the SDK's in-memory exporter: the GenAI semantic-convention
// attributes and warmpath's for a normal call, a failover, and a shadow call linked to its primary.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import OpenAI from 'openai';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { createTelemetry, parseConfig, seededRandom, systemClock } from '../core/index.ts';
import { createProviderClients } from '../providers/index.ts';
import { buildRouteTable, buildRouterApp } from '../router/index.ts';
import { createShadowMirror } from '../router/shadow.ts';
import { openAIError, startOpenAIUpstream, type TestUpstream } from './helpers/upstreams.ts';
import { route } from './helpers/warmpath.ts';

const exporter = new InMemorySpanExporter();
const telemetry = createTelemetry({ serviceName: 'test', spanProcessors: [new SimpleSpanProcessor({ exporter })] });
let primary: TestUpstream;
let backup: TestUpstream;
let close: () => Promise<void>;
let client: (workload: string) => OpenAI;
let drain: () => Promise<void>;

before(async () => {
  primary = await startOpenAIUpstream('primary');
  backup = await startOpenAIUpstream('backup');
  const config = parseConfig(
    stringify({
      providers: { p: { kind: 'openai', base_url: primary.url }, b: { kind: 'openai', base_url: backup.url } },
      routes: { main: route('p', 'gpt-main'), spare: route('b', 'gpt-spare') },
      workloads: {
        plain: { primary: 'main', secondaries: ['spare'], retry: { attempts: 1 } },
        mirrored: { primary: 'main', secondaries: ['spare'], shadow: { sample_rate: 1, max_rps: 1000 } },
      },
    }),
    'test.yaml',
  );
  const clients = createProviderClients(config, { clock: systemClock });
  const table = buildRouteTable(config, clients, systemClock);
  const logger = pino({ level: 'silent' });
  const sink = { write: () => {} };
  const workloads = ['plain', 'mirrored'].map((w) => table.forWorkload(w));
  const shadow = createShadowMirror({ table, workloads, sink, clock: systemClock, random: seededRandom(1), meter: telemetry.meter, logger, tracer: telemetry.tracer });
  const app = buildRouterApp({ config, table, sink, eligibility: { snapshot: () => ({ isEligible: () => true }) }, clock: systemClock, random: seededRandom(1), meter: telemetry.meter, logger, shadow, tracer: telemetry.tracer });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  client = (workload) => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0, defaultHeaders: { 'x-warmpath-workload': workload } });
  drain = () => shadow.drain();
  close = async () => {
    await app.close();
    await clients.close();
  };
});
after(async () => {
  await close();
  await telemetry.shutdown();
  await primary.close();
  await backup.close();
});

const ask = (workload: string) => client(workload).chat.completions.create({ model: 'my-model', messages: [{ role: 'user', content: 'hi' }] });
const server = (spans: ReadableSpan[]) => spans.filter((s) => s.kind === SpanKind.SERVER);
const clientSpans = (spans: ReadableSpan[]) => spans.filter((s) => s.kind === SpanKind.CLIENT);

test('a normal call: a server span with GenAI attributes and one attempt span as its child', async () => {
  exporter.reset();
  await ask('plain');
  const spans = exporter.getFinishedSpans();
  const [request] = server(spans);
  const [attempt] = clientSpans(spans);
  assert.equal(request?.name, 'chat my-model');
  assert.deepEqual(
    {
      system: request?.attributes['gen_ai.system'], requestModel: request?.attributes['gen_ai.request.model'], responseModel: request?.attributes['gen_ai.response.model'],
      input: request?.attributes['gen_ai.usage.input_tokens'], output: request?.attributes['gen_ai.usage.output_tokens'], finish: request?.attributes['gen_ai.response.finish_reasons'],
      workload: request?.attributes['warmpath.workload'], route: request?.attributes['warmpath.route'], fallback: request?.attributes['warmpath.fallback'], shadow: request?.attributes['warmpath.shadow'],
    },
    { system: 'openai', requestModel: 'my-model', responseModel: 'gpt-main', input: 11, output: 7, finish: ['stop'], workload: 'plain', route: 'main', fallback: false, shadow: false },
  );
  assert.equal(attempt?.parentSpanContext?.spanId, request?.spanContext().spanId);
  assert.equal(attempt?.attributes['gen_ai.request.model'], 'gpt-main');
  assert.equal(attempt?.attributes['warmpath.route'], 'main');
});

test('a failover: the failed attempt carries its error type, the request says fallback', async () => {
  exporter.reset();
  primary.script(openAIError(503, 'down'));
  await ask('plain');
  const spans = exporter.getFinishedSpans();
  const attempts = clientSpans(spans);
  assert.deepEqual(attempts.map((a) => [a.attributes['warmpath.route'], a.attributes['error.type'] ?? null]), [['main', 'server_error'], ['spare', null]]);
  const [request] = server(spans);
  assert.equal(request?.attributes['warmpath.fallback'], true);
  assert.equal(request?.attributes['warmpath.route'], 'spare');
});

test('a shadow call: its own span, marked shadow, linked to the primary span', async () => {
  exporter.reset();
  await ask('mirrored');
  await drain();
  const spans = exporter.getFinishedSpans();
  const [request] = server(spans);
  const shadow = clientSpans(spans).find((s) => s.attributes['warmpath.shadow'] === true);
  assert.ok(shadow !== undefined);
  assert.equal(shadow.attributes['warmpath.route'], 'spare');
  assert.equal(shadow.attributes['warmpath.shadow.kind'], 'shadow');
  assert.equal(shadow.attributes['gen_ai.usage.output_tokens'], 7);
  assert.equal(shadow.links[0]?.context.spanId, request?.spanContext().spanId);
  assert.notEqual(shadow.spanContext().traceId, request?.spanContext().traceId, 'a root span of its own');
});
