import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { defaultJudgeRubric, loadConfig, parseConfig } from './config.ts';
import { ConfigError } from './errors.ts';
import { tempDir } from '../test/helpers/clickhouse.ts';

const policy = { region: 'us', retention_days: 0, logs_prompts: false, data_classes: ['pii'], tools: true };
const price = { input_per_mtok: 1, output_per_mtok: 2 };

function valid(): Record<string, any> {
  return structuredClone({
    providers: { sim: { kind: 'simulated' }, oai: { kind: 'openai', base_url: 'https://api.example.com/v1', api_key: 'k' } },
    routes: { a: { provider: 'sim', model: 'm', price, policy }, b: { provider: 'oai', model: 'gpt', price, policy } },
    workloads: { support: { primary: 'a', secondaries: ['b'] } },
  });
}

function problemsOf(config: unknown, env: Record<string, string> = {}): readonly string[] {
  try {
    parseConfig(typeof config === 'string' ? config : stringify(config), 'warmpath.yaml', { env, baseDir: tmpdir() });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
  return [];
}

function mutate(change: (c: Record<string, any>) => void): Record<string, any> {
  const c = valid();
  change(c);
  return c;
}

const invalidCases: { name: string; config: unknown; want: string[]; env?: Record<string, string> }[] = [
  { name: 'sample_rate above 1', config: mutate((c) => (c.workloads.support.shadow = { sample_rate: 1.5 })), want: ['warmpath.yaml: /workloads/support/shadow/sample_rate must be <= 1'] },
  { name: 'unknown top-level key', config: mutate((c) => (c.extra = 1)), want: ['warmpath.yaml: / has unknown key "extra"'] },
  { name: 'missing required key', config: mutate((c) => delete c.routes.a.price), want: ['warmpath.yaml: /routes/a must have required key "price"'] },
  { name: 'bad enum', config: mutate((c) => (c.workloads.support.on_primary_failure = 'panic')), want: ['warmpath.yaml: /workloads/support/on_primary_failure must be one of: "failover", "fail_closed"'] },
  { name: 'wrong type', config: mutate((c) => (c.routes.a.policy.retention_days = 'forever')), want: ['warmpath.yaml: /routes/a/policy/retention_days must be integer'] },
  { name: 'bad duration', config: mutate((c) => (c.workloads.support.parity = { window: 'an hour' })), want: ['warmpath.yaml: /workloads/support/parity/window must match pattern "^[0-9]+(ms|s|m|h|d)$"'] },
  { name: 'unknown provider on a route', config: mutate((c) => (c.routes.a.provider = 'nope')), want: ['warmpath.yaml: /routes/a/provider names unknown provider "nope" (known: sim, oai)'] },
  { name: 'unknown primary route', config: mutate((c) => (c.workloads.support.primary = 'zzz')), want: ['warmpath.yaml: /workloads/support/primary names unknown route "zzz" (known: a, b)'] },
  { name: 'unknown secondary route', config: mutate((c) => (c.workloads.support.secondaries = ['b', 'zzz'])), want: ['warmpath.yaml: /workloads/support/secondaries/1 names unknown route "zzz" (known: a, b)'] },
  { name: 'primary is its own secondary', config: mutate((c) => (c.workloads.support.secondaries = ['a'])), want: ['warmpath.yaml: /workloads/support/secondaries/0 is the workload\'s primary "a"; a route cannot be its own failover'] },
  {
    name: 'duplicate key hashes',
    config: mutate((c) => (c.keys = [{ key_sha256: 'a'.repeat(64), tenant: 't1' }, { key_sha256: 'a'.repeat(64), tenant: 't2' }])),
    want: ['warmpath.yaml: /keys/1/key_sha256 duplicates /keys/0/key_sha256'],
  },
  { name: 'key names unknown workload', config: mutate((c) => (c.keys = [{ key_sha256: 'b'.repeat(64), tenant: 't', workload: 'nope' }])), want: ['warmpath.yaml: /keys/0/workload names unknown workload "nope"'] },
  { name: 'http provider without base_url', config: mutate((c) => delete c.providers.oai.base_url), want: ['warmpath.yaml: /providers/oai must have required key "base_url" (openai providers call an HTTP API)'] },
  { name: 'simulated provider with api_key', config: mutate((c) => (c.providers.sim.api_key = 'x')), want: ['warmpath.yaml: /providers/sim/api_key is not used by simulated providers; remove it'] },
  { name: 'simulate on a non-simulated route', config: mutate((c) => (c.routes.b.simulate = { error_rate: 0.1 })), want: ['warmpath.yaml: /routes/b/simulate is only allowed on routes of a simulated provider ("oai" is openai)'] },
  { name: 'admin off loopback without token', config: mutate((c) => (c.server = { admin_listen: '0.0.0.0:8081' })), want: ['warmpath.yaml: /server/admin_token is required because /server/admin_listen "0.0.0.0:8081" is not a loopback address'] },
  { name: 'shared limits over http', config: mutate((c) => (c.server = { shared_limits: { redis_url: 'http://cache:6379' } })), want: ['warmpath.yaml: /server/shared_limits/redis_url must match pattern "^rediss?://'] },
  { name: 'shared limits without a host', config: mutate((c) => (c.server = { shared_limits: { redis_url: 'redis:///0' } })), want: ['warmpath.yaml: /server/shared_limits/redis_url is not a URL with a host'] },
  { name: 'shared limits without redis_url', config: mutate((c) => (c.server = { shared_limits: { key_prefix: 'wp' } })), want: ['warmpath.yaml: /server/shared_limits must have required key "redis_url"'] },
  { name: 'shared limits key_prefix with a space', config: mutate((c) => (c.server = { shared_limits: { redis_url: 'redis://cache', key_prefix: 'a b' } })), want: ['warmpath.yaml: /server/shared_limits/key_prefix must match pattern'] },
  { name: 'drift without drift_at', config: mutate((c) => (c.routes.a.simulate = { drift: { verbosity: 2 } })), want: ['warmpath.yaml: /routes/a/simulate must have "drift_at" when it has "drift"'] },
  { name: 'length ratio min above max', config: mutate((c) => (c.workloads.support.parity = { length_ratio: { min: 3, max: 2 } })), want: ['warmpath.yaml: /workloads/support/parity/length_ratio min 3 is greater than max 2'] },
  { name: 'unset environment variable', config: mutate((c) => (c.providers.oai.api_key = '${env:OPENAI_API_KEY}')), want: ['warmpath.yaml: /providers/oai/api_key: environment variable OPENAI_API_KEY is not set'] },
  { name: 'unreadable file reference', config: mutate((c) => (c.providers.oai.api_key = '${file:no-such-file.txt}')), want: ['warmpath.yaml: /providers/oai/api_key: cannot read file no-such-file.txt: ENOENT'] },
  {
    name: 'embeddings route unknown',
    config: mutate((c) => (c.workloads.support.parity = { embeddings: { route: 'nope' } })),
    want: ['warmpath.yaml: /workloads/support/parity/embeddings/route names unknown route "nope" (known: a, b)'],
  },
  {
    name: 'embeddings route of an anthropic provider',
    config: mutate((c) => {
      c.providers.claude = { kind: 'anthropic', base_url: 'https://api.anthropic.com', api_key: 'k' };
      c.routes.c = { provider: 'claude', model: 'claude-x', price, policy };
      c.workloads.support.parity = { embeddings: { route: 'c' } };
    }),
    want: ['warmpath.yaml: /workloads/support/parity/embeddings/route names route "c" of anthropic provider "claude"; embeddings need an OpenAI-compatible (openai) or simulated provider'],
  },
  { name: 'judge route unknown', config: mutate((c) => (c.workloads.support.parity = { judge: { route: 'zzz' } })), want: ['warmpath.yaml: /workloads/support/parity/judge/route names unknown route "zzz" (known: a, b)'] },
  { name: 'judge without route', config: mutate((c) => (c.workloads.support.parity = { judge: { sample_rate: 0.5 } })), want: ['warmpath.yaml: /workloads/support/parity/judge must have required key "route"'] },
  { name: 'judge sample_rate above 1', config: mutate((c) => (c.workloads.support.parity = { judge: { route: 'b', sample_rate: 2 } })), want: ['warmpath.yaml: /workloads/support/parity/judge/sample_rate must be <= 1'] },
  { name: 'embeddings max_rps 0', config: mutate((c) => (c.workloads.support.parity = { embeddings: { route: 'b', max_rps: 0 } })), want: ['warmpath.yaml: /workloads/support/parity/embeddings/max_rps must be > 0'] },
  { name: 'embeddings batch_size above 2048', config: mutate((c) => (c.workloads.support.parity = { embeddings: { route: 'b', batch_size: 5000 } })), want: ['warmpath.yaml: /workloads/support/parity/embeddings/batch_size must be <= 2048'] },
  { name: 'unknown key under judge', config: mutate((c) => (c.workloads.support.parity = { judge: { route: 'b', model: 'x' } })), want: ['warmpath.yaml: /workloads/support/parity/judge has unknown key "model"'] },
  { name: 'YAML syntax error', config: 'providers: [unclosed', want: ['warmpath.yaml: line 1: '] },
  { name: 'duplicate YAML key', config: 'providers: {}\nproviders: {}\n', want: ['warmpath.yaml: line 2: Map keys must be unique'] },
];

for (const c of invalidCases) {
  test(`config refused: ${c.name}`, () => {
    const problems = problemsOf(c.config, c.env);
    for (const want of c.want) {
      assert.ok(problems.some((p) => p.startsWith(want)), `want a line starting ${JSON.stringify(want)}\n got:\n${problems.join('\n')}`);
    }
  });
}

test('every error is reported at once, one line each', () => {
  const problems = problemsOf(mutate((c) => {
    c.workloads.support.shadow = { sample_rate: 2, noise_rate: -1 };
    c.routes.a.model = '';
  }));
  assert.equal(problems.length, 3, problems.join('\n'));
});

test('a valid config gets documented defaults and is frozen', () => {
  const config = parseConfig(stringify(valid()), 'warmpath.yaml');
  const support = config.workloads.support!;
  assert.equal(config.server.listen, '127.0.0.1:8080');
  assert.equal(config.storage.clickhouse, 'embedded:./data');
  assert.equal(support.on_primary_failure, 'failover');
  assert.deepEqual(support.retry, { attempts: 2, timeout_ms: 30_000, backoff_ms: 200, max_retry_after_ms: 10_000 });
  assert.equal(support.parity.window_ms, 3_600_000);
  assert.equal(support.parity.warm_within_ms, 600_000);
  assert.equal(config.routes.a?.breaker.failure_threshold, 5);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(support.retry));
});

test('shared limits: absent by default; key_prefix defaults to warmpath; the URL may come from the environment', () => {
  assert.equal(parseConfig(stringify(valid()), 'warmpath.yaml').server.shared_limits, undefined);
  const c = mutate((c) => (c.server = { shared_limits: { redis_url: '${env:WARMPATH_REDIS_URL}' } }));
  const config = parseConfig(stringify(c), 'warmpath.yaml', { env: { WARMPATH_REDIS_URL: 'rediss://:pw@cache.internal:6380/1' }, baseDir: tmpdir() });
  assert.deepEqual(config.server.shared_limits, { redis_url: 'rediss://:pw@cache.internal:6380/1', key_prefix: 'warmpath' });
});

test('embeddings and judge get their documented defaults; absent, they stay absent', () => {
  const c = valid();
  c.workloads.support.parity = { embeddings: { route: 'b' }, judge: { route: 'a', sample_rate: 0.5 } };
  c.workloads.other = { primary: 'a' };
  const config = parseConfig(stringify(c), 'warmpath.yaml');
  assert.deepEqual(config.workloads.support!.parity.embeddings, { route: 'b', min_similarity: 0.8, batch_size: 64, max_rps: 5, max_concurrency: 2, timeout_ms: 30_000 });
  assert.deepEqual(config.workloads.support!.parity.judge, {
    route: 'a', rubric: defaultJudgeRubric, sample_rate: 0.5, max_calls_per_run: 20, max_rps: 1, max_concurrency: 1, timeout_ms: 60_000,
  });
  assert.equal(config.workloads.other!.parity.embeddings, undefined);
  assert.equal(config.workloads.other!.parity.judge, undefined);
});

test('${env:} and ${file:} references are substituted, files relative to the config', () => {
  const dir = tempDir('config');
  writeFileSync(join(dir, 'key.txt'), 'sk-from-file\n');
  const c = valid();
  c.providers.oai.api_key = '${file:key.txt}';
  c.providers.oai.base_url = 'https://${env:HOST}/v1';
  writeFileSync(join(dir, 'warmpath.yaml'), stringify(c));
  const config = loadConfig(join(dir, 'warmpath.yaml'), { env: { HOST: 'llm.internal' } });
  assert.equal(config.providers.oai?.api_key, 'sk-from-file');
  assert.equal(config.providers.oai?.base_url, 'https://llm.internal/v1');
});

test('a missing file is CFG_UNREADABLE', () => {
  assert.throws(() => loadConfig('/nonexistent/warmpath.yaml'), { code: 'CFG_UNREADABLE' });
});

test('the example config is valid', () => {
  const config = loadConfig(new URL('../warmpath.example.yaml', import.meta.url).pathname);
  assert.ok(Object.keys(config.workloads).length > 0);
});
