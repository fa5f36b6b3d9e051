// The warmpath CLI as a user runs it: a separate process, its exit codes and its output.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { runUntilSignal } from '../bin/warmpath.ts';
import type { Config } from '../schemas/index.ts';
import { runCli as run, startServing, stopServing } from './helpers/cli.ts';
import { openAICompletion, startUpstream } from './helpers/upstreams.ts';
import { route } from './helpers/warmpath.ts';
import { tempDir } from './helpers/clickhouse.ts';

function writeConfig(config: unknown): string {
  const file = join(tempDir('cli'), 'warmpath.yaml');
  writeFileSync(file, typeof config === 'string' ? config : stringify(config));
  return file;
}

test('--version prints the package version', () => {
  const r = run(['--version']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('--help lists the verbs', () => {
  const r = run(['--help']);
  assert.equal(r.status, 0);
  for (const verb of ['start', 'router', 'certify']) assert.match(r.stdout, new RegExp(`\\n  ${verb} `));
});

test('an unknown verb prints help and exits 2', () => {
  const r = run(['frobnicate']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown verb "frobnicate"/);
  assert.match(r.stderr, /Usage: warmpath <verb>/);
});

test('no verb exits 2', () => {
  assert.equal(run([]).status, 2);
});

test('an invalid config refuses to start: exit 1, one line per error naming file and path', () => {
  const file = writeConfig({
    providers: { sim: { kind: 'simulated' } },
    routes: { a: route('sim', 'm') },
    workloads: { support: { primary: 'a', shadow: { sample_rate: 1.5 } } },
  });
  const r = run(['start', '--config', file]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${file}: /workloads/support/shadow/sample_rate must be <= 1`));
});

test('a missing config file exits 1 naming it', () => {
  const r = run(['start', '--config', '/nonexistent/warmpath.yaml']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\/nonexistent\/warmpath.yaml: cannot read: ENOENT/);
});

test('certify prints the matrix with each refusal and its reason', () => {
  const r = run(['certify', '--config', new URL('../warmpath.example.yaml', import.meta.url).pathname]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^WORKLOAD\s+ROUTE\s+ROLE\s+CERTIFIED\s+WHY NOT/);
  assert.match(r.stdout, /support\s+claude-sim\s+secondary\s+yes/);
  assert.match(r.stdout, /support\s+cheap-sim\s+secondary\s+no\s+retention 90d > max 30d; data class pii not allowed/);
});

test('SIGTERM: stops accepting, finishes the in-flight request, exits 0', async () => {
  const upstream = await startUpstream(() => ({ delayMs: 600, body: openAICompletion('slow but sure') }));
  const file = writeConfig({
    server: { listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0', shutdown_grace_ms: 5000 },
    telemetry: { log_level: 'silent' },
    providers: { up: { kind: 'openai', base_url: upstream.url } },
    routes: { a: route('up', 'm') },
    workloads: { support: { primary: 'a' } },
  });
  try {
    const { child, match } = await startServing(['start', '--config', file], /router \(OpenAI-compatible\)\s+(http:\/\/[\d.:]+)\/v1/, { timeoutMs: 15_000 });
    try {
      const routerUrl = match[1] as string;
      const inFlight = fetch(`${routerUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'support', messages: [{ role: 'user', content: 'hi' }] }),
      });
      while (upstream.hits.length === 0) await new Promise((r) => setTimeout(r, 10));
      const exited = stopServing(child);
      const answer = await inFlight;
      assert.equal(answer.status, 200);
      assert.equal(((await answer.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content, 'slow but sure');
      assert.equal(await exited, 0);
      await assert.rejects(fetch(`${routerUrl}/v1/models`), 'no longer accepting');
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    await upstream.close();
  }
});

test('a SIGTERM while the services start closes them once they are up, and exits 0', { timeout: 5000 }, async () => {
  const events: string[] = [];
  let up: () => void = () => {};
  const starting = new Promise<void>((resolve) => (up = resolve));
  const ran = runUntilSignal({ server: { shutdown_grace_ms: 1000 } } as Config, async () => {
    await starting;
    events.push('started');
    return { banner: '', close: async () => void events.push('closed') };
  });
  // A real process would die here if nothing listened yet (Node's default for SIGTERM).
  process.emit('SIGTERM', 'SIGTERM');
  up();
  assert.equal(await ran, 0);
  assert.deepEqual(events, ['started', 'closed']);
  assert.equal(process.listenerCount('SIGTERM'), 0);
  assert.equal(process.listenerCount('SIGINT'), 0);
});

test('a start that fails stops listening for signals and exits 1', async () => {
  const code = await runUntilSignal({ server: { shutdown_grace_ms: 1000 } } as Config, async () => {
    throw new Error('the port is taken');
  });
  assert.equal(code, 1);
  assert.equal(process.listenerCount('SIGTERM'), 0);
  assert.equal(process.listenerCount('SIGINT'), 0);
});
