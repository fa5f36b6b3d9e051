import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBanner } from '../bin/banner.ts';
import { loadConfig } from '../core/index.ts';

const config = loadConfig(new URL('../warmpath.example.yaml', import.meta.url).pathname);

const cases = [
  {
    name: 'warmpath start: storage and evaluator in the process',
    storage: 'embedded ClickHouse at ./data',
    api: { ingest: true, feed: true },
    paths: 'GET /v1/routes, GET /v1/eligibility, POST|GET|DELETE /v1/drills, POST /v1/exchanges',
  },
  {
    name: 'warmpath router: records go to a collector, eligibility from a feed',
    storage: undefined,
    api: { ingest: false, feed: false },
    paths: 'GET /v1/routes, POST|GET|DELETE /v1/drills',
  },
];

for (const c of cases) {
  test(`start banner lists the admin API: ${c.name}`, () => {
    const banner = startBanner(config, 'http://127.0.0.1:8080', 'http://127.0.0.1:8081', c.storage, c.api);
    const lines = banner.split('\n');
    const admin = lines.findIndex((l) => l.includes('admin  '));
    assert.match(lines[admin] ?? '', /admin\s+http:\/\/127\.0\.0\.1:8081\s+\(\/healthz \/readyz \/metrics\)$/);
    assert.equal(lines[admin + 1]?.trim(), c.paths);
    assert.match(banner, /router \(OpenAI-compatible\)\s+http:\/\/127\.0\.0\.1:8080\/v1/);
    assert.match(banner, /router \(Anthropic Messages\)\s+http:\/\/127\.0\.0\.1:8080\/v1\/messages/);
    assert.match(banner, /await client\.responses\.create\(\{ model: '[a-z-]+', input: 'Say hello' \}\)/);
  });
}
