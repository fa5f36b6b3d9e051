// What each CLI verb loads. The embedded engine maps ~170 MB of library into a process, the
// OpenTelemetry SDK and the Grafana SDK take a fifth of a second to load, and ioredis is for
// shared limits only: a verb loads them when it uses them, never to print help or a matrix.
// Help and usage errors load no package at all, and `certify` only what reads the config.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, startServing, stopServing, writeCliConfig } from './helpers/cli.ts';
import { tempDir } from './helpers/clickhouse.ts';

const recorder = new URL('./helpers/record-loads.ts', import.meta.url).pathname;
const heavy = ['chdb', '@opentelemetry/sdk-node', '@grafana/grafana-foundation-sdk', 'ioredis'] as const;
/** What serving needs besides the heavy four: the HTTP server and client, the store's client, metrics, logs. */
const serving = [...heavy, 'fastify', 'undici', '@clickhouse/client', '@opentelemetry/sdk-metrics', 'pino'] as const;

function loadsFile(): string {
  return join(tempDir('loads'), 'packages.txt');
}

function packagesIn(file: string): Set<string> {
  return new Set(readFileSync(file, 'utf8').split('\n').filter((line) => line !== ''));
}

/** Runs a verb to its end; the packages it loaded. */
function loadedBy(args: string[]): { status: number | null; packages: Set<string>; stderr: string } {
  const file = loadsFile();
  const r = runCli(args, { nodeArgs: ['--import', recorder], env: { ...process.env, WARMPATH_TEST_LOADS: file }, timeoutMs: 30_000 });
  return { status: r.status, packages: packagesIn(file), stderr: r.stderr };
}

/** Starts a serving verb, waits for its banner, stops it with SIGTERM; the packages it loaded. */
async function loadedByServing(args: string[]): Promise<Set<string>> {
  const file = loadsFile();
  // The banner's last line.
  const { child, output } = await startServing(args, /Stop with Ctrl-C/, { nodeArgs: ['--import', recorder], env: { ...process.env, WARMPATH_TEST_LOADS: file } });
  try {
    assert.equal(await stopServing(child), 0, output());
  } finally {
    child.kill('SIGKILL');
  }
  return packagesIn(file);
}

function assertNotLoaded(packages: Set<string>, names: readonly string[], what: string): void {
  for (const name of names) assert.ok(!packages.has(name), `${what} loaded ${name}`);
}

test('--help, --version and a usage error load no package at all', () => {
  const runs: ReadonlyArray<readonly [args: string[], status: number]> = [
    [['--help'], 0],
    [['--version'], 0],
    [['drill', '--help'], 0],
    [['frobnicate'], 2],
    [['drill', '--share', '2'], 2],
  ];
  for (const [args, status] of runs) {
    const r = loadedBy(args);
    assert.equal(r.status, status, r.stderr);
    assert.deepEqual([...r.packages], [], `warmpath ${args.join(' ')}`);
  }
});

test('certify loads what reads the config (yaml, ajv) and none of the serving libraries', () => {
  const { file } = writeCliConfig();
  const certify = loadedBy(['certify', '--config', file]);
  assert.equal(certify.status, 0, certify.stderr);
  assert.ok(certify.packages.has('yaml') && certify.packages.has('ajv'), 'the recorder saw the packages the CLI loads');
  assertNotLoaded(certify.packages, serving, 'certify');
});

test('routes loads undici to reach the admin listener, and none of the other serving libraries', () => {
  // Nothing listens on port 9: the verb fails, after loading all it needs.
  const { file } = writeCliConfig({ server: { listen: '127.0.0.1:0', admin_listen: '127.0.0.1:9' } });
  const r = loadedBy(['routes', '--config', file]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /127\.0\.0\.1:9/);
  assert.ok(r.packages.has('undici'));
  assertNotLoaded(r.packages, serving.filter((name) => name !== 'undici'), 'routes');
});

test('dashboards loads the Grafana SDK, and not the engine or the OpenTelemetry SDK', () => {
  const { file } = writeCliConfig();
  const r = loadedBy(['dashboards', '--config', file, '--out', tempDir('dashboards-out')]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.packages.has('@grafana/grafana-foundation-sdk'));
  assertNotLoaded(r.packages, ['chdb', '@opentelemetry/sdk-node', 'ioredis'], 'dashboards');
});

test('start loads the engine and the OpenTelemetry SDK; without shared_limits not ioredis, and never the Grafana SDK', async () => {
  const { file } = writeCliConfig();
  const packages = await loadedByServing(['start', '--config', file]);
  assert.ok(packages.has('chdb'));
  assert.ok(packages.has('@opentelemetry/sdk-node'));
  assertNotLoaded(packages, ['@grafana/grafana-foundation-sdk', 'ioredis'], 'start');
});

test('router, whose records go to a collector, never loads the engine', async () => {
  const { file } = writeCliConfig({
    server: { listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0', collector_url: 'http://127.0.0.1:9' },
  });
  const packages = await loadedByServing(['router', '--config', file]);
  assert.ok(packages.has('@opentelemetry/sdk-node'));
  assertNotLoaded(packages, ['chdb', '@grafana/grafana-foundation-sdk', 'ioredis'], 'router');
});
