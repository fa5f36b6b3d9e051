// Request handling edge cases through fastify's inject: identity, validation, limits, models.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { createTelemetry, parseConfig, seededRandom, systemClock } from '../core/index.ts';
import { createProviderClients } from '../providers/index.ts';
import type { ExchangeRecord } from '../schemas/index.ts';
import { buildRouterApp } from './app.ts';
import { everyCertifiedRouteEligible } from './eligibility.ts';
import { sha256Hex } from '../core/hash.ts';
import { buildRouteTable } from './route-table.ts';

const policy = { region: 'us', retention_days: 0, logs_prompts: false, data_classes: ['pii'], tools: true };
const price = { input_per_mtok: 1, output_per_mtok: 2 };

function buildApp(extra: Record<string, unknown> = {}) {
  const config = parseConfig(
    stringify({
      server: { body_limit_bytes: 2048 },
      providers: { sim: { kind: 'simulated' } },
      routes: { a: { provider: 'sim', model: 'sim-a', price, policy }, b: { provider: 'sim', model: 'sim-b', price, policy } },
      workloads: { support: { primary: 'a', secondaries: ['b'] }, billing: { primary: 'b' } },
      ...extra,
    }),
    'test.yaml',
  );
  const clients = createProviderClients(config, { clock: systemClock });
  const records: ExchangeRecord[] = [];
  const telemetry = createTelemetry({ serviceName: 'test' });
  const app = buildRouterApp({
    config,
    table: buildRouteTable(config, clients, systemClock),
    sink: { write: (r) => void records.push(r) },
    eligibility: everyCertifiedRouteEligible,
    clock: systemClock,
    random: seededRandom(1),
    meter: telemetry.meter,
    logger: pino({ level: 'silent' }),
  });
  app.addHook('onClose', async () => {
    await clients.close();
    await telemetry.shutdown();
  });
  return { app, records };
}

const chat = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url: '/v1/chat/completions',
  headers: { 'content-type': 'application/json', ...headers },
  payload: typeof body === 'string' ? body : JSON.stringify(body),
});

const hello = { model: 'support', messages: [{ role: 'user', content: 'hello' }] };

describe('open router (no keys)', () => {
  const { app, records } = buildApp();
  after(() => app.close());

  const invalid: { name: string; body: unknown; param: string | null; message: RegExp }[] = [
    { name: 'no messages', body: { model: 'support' }, param: 'messages', message: /must have required property 'messages'/ },
    { name: 'empty messages', body: { model: 'support', messages: [] }, param: 'messages', message: /messages must NOT have fewer than 1 items/ },
    { name: 'bad role', body: { model: 'support', messages: [{ role: 'wizard', content: 'x' }] }, param: 'messages.0.role', message: /must be equal to one of the allowed values \(system, developer, user, assistant, tool\)/ },
    { name: 'temperature out of range', body: { ...hello, temperature: 3 }, param: 'temperature', message: /temperature must be <= 2/ },
    { name: 'n above 1', body: { ...hello, n: 2 }, param: 'n', message: /n must be <= 1/ },
    { name: 'stream not boolean', body: { ...hello, stream: 'yes' }, param: 'stream', message: /stream must be boolean/ },
    { name: 'json_schema without its schema object', body: { ...hello, response_format: { type: 'json_schema' } }, param: 'response_format.json_schema', message: /json_schema/ },
    { name: 'not JSON', body: '{"model": ', param: null, message: /JSON/i },
  ];
  for (const c of invalid) {
    test(`400 in OpenAI shape: ${c.name}`, async () => {
      const res = await app.inject(chat(c.body));
      assert.equal(res.statusCode, 400, res.body);
      const body = res.json();
      assert.equal(body.error.type, 'invalid_request_error');
      assert.equal(body.error.code, 'REQ_INVALID');
      assert.equal(body.error.param, c.param);
      assert.match(body.error.message, c.message);
    });
  }

  test('413 for a body over the limit', async () => {
    const res = await app.inject(chat({ ...hello, messages: [{ role: 'user', content: 'x'.repeat(5000) }] }));
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'REQ_BODY_TOO_LARGE');
  });

  test('415 for a body that is not JSON', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { 'content-type': 'application/xml' }, payload: '<hi/>' });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().error.code, 'REQ_UNSUPPORTED_MEDIA');
  });

  test('404 in OpenAI shape for an unknown workload', async () => {
    const res = await app.inject(chat({ ...hello, model: 'gpt-9' }));
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'RTR_UNKNOWN_WORKLOAD');
    assert.equal(res.json().error.param, 'model');
    assert.match(res.json().error.message, /workloads: support, billing/);
  });

  test('404 for an unknown workload header', async () => {
    const res = await app.inject(chat(hello, { 'x-warmpath-workload': 'nope' }));
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.param, 'x-warmpath-workload');
  });

  test('404 in OpenAI shape for an unknown path', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/nothing' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'REQ_NOT_FOUND');
  });

  test('workload from model, then header wins over model; metadata headers recorded', async () => {
    records.length = 0;
    const res = await app.inject(chat(hello, { 'x-warmpath-workload': 'billing', 'x-warmpath-tenant': 'acme', 'x-warmpath-feature': 'faq', 'x-warmpath-session': 's1' }));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['x-warmpath-route'], 'b');
    assert.equal(records[0]?.workload, 'billing');
    assert.deepEqual([records[0]?.tenant, records[0]?.feature, records[0]?.session], ['acme', 'faq', 's1']);
  });

  test('GET /v1/models lists workloads as models', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/models' });
    assert.deepEqual(res.json().data.map((m: { id: string }) => m.id), ['support', 'billing']);
  });
});

describe('router with virtual keys', () => {
  const pinnedKey = 'wp-key-pinned-123';
  const tenantKey = 'wp-key-tenant-456';
  let app: ReturnType<typeof buildApp>['app'];
  let records: ExchangeRecord[];
  before(() => {
    ({ app, records } = buildApp({
      keys: [
        { key_sha256: sha256Hex(pinnedKey), tenant: 'acme', workload: 'billing' },
        { key_sha256: sha256Hex(tenantKey), tenant: 'globex' },
      ],
    }));
  });
  after(() => app.close());

  const cases: { name: string; headers: Record<string, string>; status: number; code?: string; route?: string; tenant?: string }[] = [
    { name: 'missing key → 401', headers: {}, status: 401, code: 'AUTH_MISSING_KEY' },
    { name: 'unknown key → 401', headers: { authorization: 'Bearer nope' }, status: 401, code: 'AUTH_UNKNOWN_KEY' },
    { name: 'pinned key picks its workload over the model', headers: { authorization: `Bearer ${pinnedKey}` }, status: 200, route: 'b', tenant: 'acme' },
    { name: 'pinned key refuses another workload header', headers: { authorization: `Bearer ${pinnedKey}`, 'x-warmpath-workload': 'support' }, status: 403, code: 'AUTH_WORKLOAD_MISMATCH' },
    { name: 'x-api-key (as Anthropic documents its API keys) is a key too', headers: { 'x-api-key': pinnedKey }, status: 200, route: 'b', tenant: 'acme' },
    { name: 'an unknown x-api-key → 401', headers: { 'x-api-key': 'nope' }, status: 401, code: 'AUTH_UNKNOWN_KEY' },
    { name: 'tenant key uses the model; tenant header cannot override the key', headers: { authorization: `Bearer ${tenantKey}`, 'x-warmpath-tenant': 'evil' }, status: 200, route: 'a', tenant: 'globex' },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      records.length = 0;
      const res = await app.inject(chat(hello, c.headers));
      assert.equal(res.statusCode, c.status, res.body);
      if (c.code !== undefined) assert.equal(res.json().error.code, c.code);
      if (c.route !== undefined) assert.equal(res.headers['x-warmpath-route'], c.route);
      if (c.tenant !== undefined) assert.equal(records[0]?.tenant, c.tenant);
    });
  }

  test('models: a pinned key sees only its workload; an unknown key gets 401', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/models', headers: { authorization: `Bearer ${pinnedKey}` } });
    assert.deepEqual(res.json().data.map((m: { id: string }) => m.id), ['billing']);
    const own = await app.inject({ method: 'GET', url: '/v1/models/billing', headers: { authorization: `Bearer ${pinnedKey}` } });
    assert.deepEqual(own.json(), { id: 'billing', object: 'model', created: 0, owned_by: 'warmpath' });
    const other = await app.inject({ method: 'GET', url: '/v1/models/support', headers: { authorization: `Bearer ${pinnedKey}` } });
    assert.equal(other.statusCode, 404);
    assert.equal(other.json().error.code, 'RTR_UNKNOWN_WORKLOAD');
    const anthropicShaped = await app.inject({ method: 'GET', url: '/v1/models', headers: { 'x-api-key': tenantKey, 'anthropic-version': '2023-06-01' } });
    assert.deepEqual(anthropicShaped.json().data.map((m: { id: string; type: string }) => [m.id, m.type]), [['support', 'model'], ['billing', 'model']]);
    assert.equal(anthropicShaped.json().has_more, false);
    assert.equal((await app.inject({ method: 'GET', url: '/v1/models', headers: { authorization: 'Bearer x' } })).statusCode, 401);
  });
});
