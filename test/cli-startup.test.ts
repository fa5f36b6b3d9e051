// What each CLI verb loads. The embedded engine maps ~170 MB of library into a process, the
// OpenTelemetry SDK and the Grafana SDK take a fifth of a second to load, and ioredis is for
// shared limits only: a verb loads them when it uses them, never to print help or a matrix.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliPath, writeCliConfig } from './helpers/cli.ts';
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
  const r = spawnSync(process.execPath, ['--import', recorder, cliPath, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, WARMPATH_TEST_LOADS: file },
  });
  return { status: r.status, packages: packagesIn(file), stderr: r.stderr };
}

/** Starts a serving verb, waits for its banner, stops it with SIGTERM; the packages it loaded. */
async function loadedByServing(args: string[]): Promise<Set<string>> {
  const file = loadsFile();
  const child = spawn(process.execPath, ['--import', recorder, cliPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WARMPATH_TEST_LOADS: file },
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${out}\n${err}`)), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        // The banner's last line.
        if (out.includes('Stop with Ctrl-C')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before its banner: ${out}\n${err}`)));
    });
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`code ${code} signal ${signal}`)));
    child.kill('SIGTERM');
    assert.equal(await exited, 'code 0 signal null', `${out}\n${err}`);
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
