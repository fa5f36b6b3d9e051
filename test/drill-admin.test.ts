// The drills' admin API on a running warmpath's admin listener: POST/GET/DELETE /v1/drills,
// refusals in the OpenAI error shape with their stable codes, and the admin token.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { route, startWarmpath, type TestWarmpath } from './helpers/warmpath.ts';

const far = { region: 'eu', retention_days: 0, logs_prompts: false, data_classes: ['public', 'pii'], tools: true };
const base = {
  providers: { sim: { kind: 'simulated' } },
  routes: { a: route('sim', 'sim-a'), b: route('sim', 'sim-b'), far: route('sim', 'sim-far', { policy: far }) },
  workloads: {
    support: { primary: 'a', secondaries: ['b', 'far'], requires: { regions: ['us'] } },
    billing: { primary: 'a', secondaries: ['b'] },
    strict: { primary: 'a', secondaries: ['b'], on_primary_failure: 'fail_closed' },
  },
};

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string; param: string | null; type: string } };
}

async function call(wp: TestWarmpath, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${wp.adminUrl}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

describe('drills admin API (loopback, no token)', () => {
  let wp: TestWarmpath;
  before(async () => {
    wp = await startWarmpath(base);
  });
  after(() => wp.close());

  test('POST /v1/drills → 201 with the drill; GET lists and reads it; DELETE ends it with the final report', async () => {
    const started = await call(wp, 'POST', '/v1/drills', { workload: 'support', route: 'b', share: 0.5, duration: '10m' });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const id = started.body.id as string;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      [started.body.workload, started.body.route, started.body.routes, started.body.share, started.body.duration, started.body.active, started.body.end_reason],
      ['support', 'b', ['b'], 0.5, '10m', true, null],
    );
    assert.equal(Date.parse(started.body.ends_at as string) - Date.parse(started.body.started_at as string), 600_000);

    const list = await call(wp, 'GET', '/v1/drills');
    assert.equal(list.status, 200);
    assert.deepEqual((list.body.active as { id: string }[]).map((d) => d.id), [id]);
    assert.equal((await call(wp, 'GET', `/v1/drills/${id}`)).body.id, id);

    const ended = await call(wp, 'DELETE', `/v1/drills/${id}`);
    assert.equal(ended.status, 200);
    assert.deepEqual([ended.body.active, ended.body.end_reason], [false, 'stopped']);
    assert.ok(typeof ended.body.ended_at === 'string');
    const stats = ended.body.stats as Record<string, unknown>;
    for (const key of ['drawn', 'served_by_drill', 'fell_back', 'fell_back_by_error_class', 'skipped_ineligible', 'client_errors', 'routes', 'drill', 'baseline']) assert.ok(key in stats, key);
    assert.deepEqual(ended.body.verdict, { passed: false, reasons: ['no request was drawn into the drill (was there traffic on the workload?)'] });

    const afterwards = await call(wp, 'GET', '/v1/drills');
    assert.deepEqual([(afterwards.body.active as unknown[]).length, (afterwards.body.recent as { id: string }[])[0]?.id], [0, id]);
  });

  test('defaults: share 0.1, 5m, the certified failover chain', async () => {
    const started = await call(wp, 'POST', '/v1/drills', { workload: 'billing' });
    assert.equal(started.status, 201);
    assert.deepEqual([started.body.route, started.body.routes, started.body.share, started.body.duration], [null, ['b'], 0.1, '5m']);
    await call(wp, 'DELETE', `/v1/drills/${started.body.id as string}`);
  });

  const refusals: { name: string; body: unknown; status: number; code: string; param?: string }[] = [
    { name: 'no workload', body: { share: 0.5 }, status: 400, code: 'REQ_INVALID', param: 'workload' },
    { name: 'share 0', body: { workload: 'support', share: 0 }, status: 400, code: 'REQ_INVALID', param: 'share' },
    { name: 'share above 1', body: { workload: 'support', share: 2 }, status: 400, code: 'REQ_INVALID', param: 'share' },
    { name: 'share as a string', body: { workload: 'support', share: '0.5' }, status: 400, code: 'REQ_INVALID', param: 'share' },
    { name: 'an unknown key', body: { workload: 'support', percent: 5 }, status: 400, code: 'REQ_INVALID' },
    { name: 'a duration that is not one', body: { workload: 'support', duration: 'soon' }, status: 400, code: 'REQ_INVALID', param: 'duration' },
    { name: 'a duration over 24h', body: { workload: 'support', duration: '25h' }, status: 400, code: 'RTR_DRILL_INVALID', param: 'duration' },
    { name: 'not JSON', body: '{"workload":', status: 400, code: 'REQ_INVALID' },
    { name: 'unknown workload', body: { workload: 'nope' }, status: 404, code: 'RTR_UNKNOWN_WORKLOAD', param: 'workload' },
    { name: 'a route that is not a secondary', body: { workload: 'support', route: 'a' }, status: 400, code: 'RTR_DRILL_ROUTE_NOT_SECONDARY', param: 'route' },
    { name: 'a route not certified', body: { workload: 'support', route: 'far' }, status: 409, code: 'RTR_DRILL_ROUTE_NOT_CERTIFIED', param: 'route' },
    { name: 'a fail_closed workload', body: { workload: 'strict' }, status: 409, code: 'RTR_DRILL_FAIL_CLOSED', param: 'workload' },
  ];
  for (const c of refusals) {
    test(`refused in OpenAI's error shape: ${c.name} → ${c.status} ${c.code}`, async () => {
      const res = await call(wp, 'POST', '/v1/drills', c.body);
      assert.equal(res.status, c.status, JSON.stringify(res.body));
      assert.equal(res.body.error?.code, c.code);
      assert.equal(typeof res.body.error?.message, 'string');
      if (c.param !== undefined) assert.equal(res.body.error?.param, c.param);
    });
  }

  test('a second drill on a workload → 409 RTR_DRILL_ACTIVE naming the running one', async () => {
    const first = await call(wp, 'POST', '/v1/drills', { workload: 'support', duration: '1m' });
    const second = await call(wp, 'POST', '/v1/drills', { workload: 'support', route: 'b' });
    assert.equal(second.status, 409);
    assert.equal(second.body.error?.code, 'RTR_DRILL_ACTIVE');
    assert.equal(second.body.drill_id, first.body.id);
    await call(wp, 'DELETE', `/v1/drills/${first.body.id as string}`);
  });

  test('unknown ids → 404 RTR_DRILL_NOT_FOUND on GET and DELETE', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await call(wp, method, '/v1/drills/0000');
      assert.equal(res.status, 404);
      assert.equal(res.body.error?.code, 'RTR_DRILL_NOT_FOUND');
    }
  });

  test('a 1s drill ends by itself and is reported as elapsed', async () => {
    const started = await call(wp, 'POST', '/v1/drills', { workload: 'billing', duration: '1s', share: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    const res = await call(wp, 'GET', `/v1/drills/${started.body.id as string}`);
    assert.deepEqual([res.body.active, res.body.end_reason, res.body.ended_at], [false, 'elapsed', started.body.ends_at]);
  });
});

describe('drills admin API with a token', () => {
  let wp: TestWarmpath;
  const token = 'admin-token-drills-0123';
  before(async () => {
    wp = await startWarmpath({ ...base, server: { admin_token: token } });
  });
  after(() => wp.close());

  test('every drills route requires the bearer token', async () => {
    for (const [method, path, body] of [['POST', '/v1/drills', { workload: 'support' }], ['GET', '/v1/drills', undefined], ['GET', '/v1/drills/x', undefined], ['DELETE', '/v1/drills/x', undefined]] as const) {
      const res = await call(wp, method, path, body);
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.equal(res.body.error?.code, 'AUTH_ADMIN_TOKEN');
    }
    const ok = await call(wp, 'POST', '/v1/drills', { workload: 'support' }, { authorization: `Bearer ${token}` });
    assert.equal(ok.status, 201);
    assert.equal(wp.drills.list().active.length, 1, 'the refused POST started nothing');
  });
});
