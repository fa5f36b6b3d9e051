// What each CLI verb loads. The embedded engine maps ~170 MB of library into a process, the
// OpenTelemetry SDK and the Grafana SDK take a fifth of a second to load, and ioredis is for
// shared limits only: a verb loads them when it uses them, never to print help or a matrix.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, startServing, stopServing, writeCliConfig } from './helpers/cli.ts';
import { tempDir } from './helpers/clickhouse.ts';

const recorder = new URL('./helpers/record-loads.ts', import.meta.url).pathname;
const heavy = ['chdb', '@opentelemetry/sdk-node', '@grafana/grafana-foundation-sdk', 'ioredis'] as const;

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

test('--help and certify load neither the engine, the OpenTelemetry SDK, the Grafana SDK nor ioredis', () => {
  const help = loadedBy(['--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.ok(help.packages.has('yaml'), 'the recorder saw the packages the CLI loads');
  assertNotLoaded(help.packages, heavy, '--help');

  const { file } = writeCliConfig();
  const certify = loadedBy(['certify', '--config', file]);
  assert.equal(certify.status, 0, certify.stderr);
  assertNotLoaded(certify.packages, heavy, 'certify');
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
