// The admin listener: health, readiness, Prometheus metrics, and the admin token.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { route, startWarmpath, type TestWarmpath } from './helpers/warmpath.ts';

const base = {
  providers: { sim: { kind: 'simulated' } },
  routes: { a: route('sim', 'sim-a'), b: route('sim', 'sim-b') },
  workloads: { support: { primary: 'a', secondaries: ['b'] } },
};

describe('admin on loopback without a token', () => {
  let wp: TestWarmpath;
  before(async () => {
    wp = await startWarmpath(base);
  });
  after(() => wp.close());

  test('/healthz and /readyz answer 200 once the router listens', async () => {
    assert.equal((await fetch(`${wp.adminUrl}/healthz`)).status, 200);
    const ready = await fetch(`${wp.adminUrl}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ready: true, waiting: [] });
  });

  test('/metrics exposes warmpath_ request metrics by workload, route and outcome', async () => {
    const answer = await fetch(`${wp.routerUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'support', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(answer.status, 200);
    const text = await (await fetch(`${wp.adminUrl}/metrics`)).text();
    assert.match(text, /warmpath_requests_total\{[^}]*workload="support"[^}]*route="a"[^}]*outcome="ok"[^}]*\} 1/);
    assert.match(text, /warmpath_request_duration_seconds_bucket\{[^}]*workload="support"[^}]*route="a"[^}]*le="\+Inf"\} 1\n/);
    assert.match(text, /warmpath_request_duration_seconds_count\{[^}]*route="a"[^}]*\} 1\n/);
    assert.match(text, /warmpath_upstream_attempt_duration_seconds_count\{route="a",error_class="none"\} 1\n/);
    assert.match(text, /warmpath_upstream_attempts_total\{[^}]*route="a"[^}]*error_class="none"/);
    assert.match(text, /warmpath_breaker_state\{[^}]*route="b"[^}]*\} 0/);
  });
});

describe('admin with a token', () => {
  let wp: TestWarmpath;
  const token = 'admin-token-0123456789';
  before(async () => {
    wp = await startWarmpath({ ...base, server: { admin_token: token } });
  });
  after(() => wp.close());

  test('requires the bearer token, except /healthz', async () => {
    assert.equal((await fetch(`${wp.adminUrl}/healthz`)).status, 200);
    const denied = await fetch(`${wp.adminUrl}/metrics`);
    assert.equal(denied.status, 401);
    assert.equal(((await denied.json()) as { error: { code: string } }).error.code, 'AUTH_ADMIN_TOKEN');
    assert.equal((await fetch(`${wp.adminUrl}/readyz`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await fetch(`${wp.adminUrl}/readyz`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  });
});
