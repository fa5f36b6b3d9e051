// `warmpath evaluator` and `warmpath routes` as a user runs them: separate processes on an
// embedded store in a temporary folder.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from '../bench/processes.ts';
import { runCli, startServing, stopServing, writeCliConfig } from './helpers/cli.ts';
import { route } from './helpers/warmpath.ts';
import { tempDir } from './helpers/clickhouse.ts';

/** The embedded data lands beside the config (`storage.clickhouse` defaults to `embedded:./data`). */
function writeConfig(extra: Record<string, unknown> = {}): string {
  return writeCliConfig({
    routes: { a: route('sim', 'a'), b: route('sim', 'b'), far: route('sim', 'far', { policy: { region: 'eu', retention_days: 0, logs_prompts: false, data_classes: [], tools: true } }) },
    workloads: { support: { primary: 'a', secondaries: ['b', 'far'], requires: { regions: ['us'] } } },
    evaluator: { interval: '1s' },
    ...extra,
  }).file;
}

test('warmpath evaluator publishes the feed on its admin listener', async () => {
  const { child, match } = await startServing(['evaluator', '--config', writeConfig()], /admin\s+(http:\/\/[\d.:]+)/);
  try {
    const admin = match[1] as string;
    let feed: { routes: { route: string; eligible: boolean; reasons: string[] }[] } | undefined;
    for (let i = 0; i < 100 && feed === undefined; i++) {
      const res = await fetch(`${admin}/v1/eligibility`);
      if (res.status === 200) feed = (await res.json()) as typeof feed;
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(feed !== undefined, 'a feed within 10 s');
    assert.deepEqual(feed.routes.map((r) => r.route), ['a', 'b', 'far']);
    assert.match(feed.routes[2]?.reasons.join('; ') ?? '', /not certified: region eu not in \[us\]/);
    assert.equal((await fetch(`${admin}/readyz`)).status, 200);
    assert.equal(await stopServing(child), 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('warmpath routes prints the table of a running warmpath start', async () => {
  const dir = tempDir('cli-routes');
  const adminPort = await freePort();
  const file = writeConfig({ server: { listen: '127.0.0.1:0', admin_listen: `127.0.0.1:${adminPort}` }, storage: { clickhouse: `embedded:${join(dir, 'data')}` } });
  const { child, match } = await startServing(['start', '--config', file], /admin\s+(http:\/\/[\d.:]+)\s+\(\/healthz \/readyz \/metrics\)\n\s+(.*)\n/);
  try {
    // The banner lists the admin API this process serves, and every GET it lists answers.
    const [admin, paths] = [match[1] as string, (match[2] as string).split(', ')];
    assert.deepEqual(paths, ['GET /v1/routes', 'GET /v1/eligibility', 'POST|GET|DELETE /v1/drills', 'POST /v1/exchanges']);
    for (const path of paths.filter((p) => p.startsWith('GET'))) {
      const res = await fetch(`${admin}${path.split(' ')[1] as string}`);
      assert.notEqual(res.status, 404, path);
      await res.arrayBuffer();
    }
    let table = '';
    for (let i = 0; i < 50 && !/support\s+b\s+secondary\s+no/.test(table); i++) {
      await new Promise((r) => setTimeout(r, 100));
      table = runCli(['routes', '--config', file]).stdout;
    }
    assert.match(table, /^WORKLOAD\s+ROUTE\s+ROLE\s+ELIGIBLE\s+SAMPLES/);
    assert.match(table, /support\s+a\s+primary\s+serving/);
    assert.match(table, /support\s+b\s+secondary\s+no\s+0\s.*closed.*cold: 0 samples in 1h < 50/);
    const json = JSON.parse(runCli(['routes', '--json', '--config', file]).stdout) as { route: string; breaker: string }[];
    assert.deepEqual(json.map((r) => [r.route, r.breaker]), [['a', 'closed'], ['b', 'closed'], ['far', 'closed']]);
    assert.equal(await stopServing(child), 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('warmpath routes says so when nothing is running', () => {
  const r = runCli(['routes', '--config', writeConfig({ server: { admin_listen: '127.0.0.1:9' } })]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot reach http:\/\/127\.0\.0\.1:9\/v1\/routes/);
});
