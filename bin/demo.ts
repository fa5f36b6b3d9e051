// `npm run demo`: a two-minute tour of the closed loop on a real `warmpath start` (embedded
// ClickHouse in a temporary folder, simulated providers). Traffic warms a secondary until it
// is eligible and takes the primary's failures; then the secondary drifts (renames a JSON
// key), loses eligibility, and the router stops failing over to it.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { stringify } from 'yaml';

// Built with the rest: dist/bin/demo.js runs dist/bin/warmpath.js.
const cli = fileURLToPath(new URL('./warmpath.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'warmpath-demo-'));
const driftInS = 15;
const driftAt = new Date(Date.now() + driftInS * 1000);
const policy = { region: 'us', retention_days: 0, logs_prompts: false, data_classes: ['public', 'pii'], tools: true };
const configFile = join(dir, 'warmpath.yaml');
writeFileSync(
  configFile,
  stringify({
    server: { listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0' },
    storage: { clickhouse: `embedded:${join(dir, 'data')}`, batch_max_delay_ms: 100 },
    telemetry: { log_level: 'warn' },
    providers: { east: { kind: 'simulated', seed: 1 }, west: { kind: 'simulated', seed: 2 } },
    routes: {
      'gpt-sim': { provider: 'east', model: 'gpt-4o-sim', price: { input_per_mtok: 2.5, output_per_mtok: 10 }, policy, simulate: { latency: { median_ms: 15 }, error_rate: 0.15, variability: 0.03 } },
      'claude-sim': {
        provider: 'west', model: 'claude-sonnet-sim', price: { input_per_mtok: 3, output_per_mtok: 15 }, policy,
        simulate: { latency: { median_ms: 25 }, variability: 0.03, drift_at: driftAt.toISOString(), drift: { rename_keys: { answer: 'reply' } } },
      },
    },
    workloads: {
      support: {
        primary: 'gpt-sim', secondaries: ['claude-sim'], retry: { attempts: 1, timeout_ms: 5000 },
        shadow: { sample_rate: 1, noise_rate: 0.3, max_concurrency: 8, max_rps: 200, daily_budget_usd: 5 },
        parity: { window: '30s', min_samples: 20, warm_within: '60s', min_pass_rate: 0.8, enter_after: 2 },
        storage: { content: 'full', retention_days: 1 },
      },
    },
    evaluator: { interval: '1s', feed_ttl: '30s', min_twins: 10 },
  }),
);

const child = spawn(process.execPath, [cli, 'start', '--config', configFile], { stdio: ['ignore', 'pipe', 'inherit'] });
const stopChild = (): void => {
  child.kill('SIGTERM');
};
process.on('SIGINT', () => {
  stopChild();
  process.exit(130);
});

function waitForBanner(): Promise<{ router: string; admin: string }> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`warmpath did not start:\n${out}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const router = /router \(OpenAI-compatible\)\s+(http:\/\/\S+)\/v1/.exec(out)?.[1];
      const admin = /admin\s+(http:\/\/[\d.:]+)/.exec(out)?.[1];
      if (router !== undefined && admin !== undefined) {
        clearTimeout(timer);
        resolve({ router, admin });
      }
    });
    child.once('exit', (code) => reject(new Error(`warmpath exited with ${code}:\n${out}`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const { router, admin } = await waitForBanner();
  const client = new OpenAI({ baseURL: `${router}/v1`, apiKey: 'demo', maxRetries: 0 });
  let n = 0;
  async function traffic(label: string, count: number): Promise<void> {
    const tally = { primary: 0, failover: 0, error: 0 };
    for (let i = 0; i < count; i++) {
      try {
        const { response } = await client.chat.completions
          .create({ model: 'support', messages: [{ role: 'user', content: `Summarise support ticket ${n++} about a late refund` }], response_format: { type: 'json_object' } })
          .withResponse();
        if (response.headers.get('x-warmpath-fallback') === '1') tally.failover += 1;
        else tally.primary += 1;
      } catch {
        tally.error += 1;
      }
    }
    console.log(`${label}: ${count} requests → ${tally.primary} served by the primary, ${tally.failover} failed over to claude-sim, ${tally.error} errors (primary failed, no eligible secondary)`);
  }
  async function routes(title: string): Promise<void> {
    const rows = (await (await fetch(`${admin}/v1/routes`)).json()) as { workload: string; route: string; role: string; eligible: boolean | null; samples: number | null; pass_rate: number | null; reasons: string[] }[];
    console.log(`\n${title}`);
    for (const r of rows) {
      const state = r.role === 'primary' ? 'serving' : r.eligible ? 'ELIGIBLE' : 'not eligible';
      const pass = r.pass_rate === null ? '-' : `${(r.pass_rate * 100).toFixed(0)}%`;
      console.log(`  ${r.workload}/${r.route.padEnd(10)} ${r.role.padEnd(9)} ${state.padEnd(12)} samples ${String(r.samples ?? '-').padEnd(4)} pass ${pass.padEnd(5)} ${r.reasons.join('; ')}`);
    }
    console.log('');
  }

  console.log(`\nwarmpath demo: gpt-sim fails 15% of calls; claude-sim starts renaming "answer" to "reply" at ${driftAt.toISOString()} (in ${driftInS}s)\n`);
  await routes('1. Cold start: no shadow samples yet');
  await traffic('   warm-up traffic (every request mirrored to claude-sim)', 40);
  await sleep(2500);
  await routes('2. After two passing evaluations claude-sim is eligible');
  await traffic('   traffic while claude-sim is eligible', 40);
  const wait = driftAt.getTime() - Date.now();
  if (wait > 0) {
    console.log(`\n   ...waiting ${Math.ceil(wait / 1000)}s for claude-sim to drift`);
    await sleep(wait + 500);
  }
  await traffic('   traffic after the drift (shadows now fail json_keys)', 40);
  await sleep(2500);
  await routes('3. claude-sim drifted: it lost eligibility at the next evaluation');
  await traffic('   traffic now: failures are no longer failed over to the drifted route', 40);
}

main()
  .then(() => 0, (err: unknown) => {
    console.error(`demo failed: ${(err as Error).message}`);
    return 1;
  })
  .then(async (code) => {
    stopChild();
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  });
