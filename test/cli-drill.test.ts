// `warmpath drill` as a user runs it: a separate process talking to a running router's admin
// listener while the official openai SDK sends the workload's traffic.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { seededRandom } from '../core/index.ts';
import { openAICompletion, openAIError, startOpenAIUpstream, type TestUpstream } from './helpers/upstreams.ts';
import { cliPath, runCli } from './helpers/cli.ts';
import { route, startWarmpath, type TestWarmpath } from './helpers/warmpath.ts';
import { formatDrillReport, mergeDrillReports, progressLine } from '../bin/drill.ts';
import { drillPlan, type DrillArgs, type DrillPlan } from '../bin/drill-plan.ts';
import { drillVerdict, type DrillReport, type DrillRouteStats, type DrillStats, type EligibilitySource } from '../router/index.ts';
import { tempDir } from './helpers/clickhouse.ts';
import { until } from './helpers/until.ts';

const token = 'drill-admin-token-0123';
const topology = (primaryUrl: string, backupUrl: string) => ({
  providers: { p: { kind: 'openai', base_url: primaryUrl }, s: { kind: 'openai', base_url: backupUrl } },
  routes: { a: route('p', 'model-a'), b: route('s', 'model-b', { breaker: { failure_threshold: 1000, cooldown_ms: 1000 } }) },
  workloads: { support: { primary: 'a', secondaries: ['b'], retry: { attempts: 2, timeout_ms: 2000, backoff_ms: 1 } } },
});

/** Routes the evaluator would hold ineligible; empty: every certified route is eligible. */
const ineligible = new Set<string>();
const eligibility: EligibilitySource = { snapshot: () => ({ isEligible: (_workload, r) => !ineligible.has(r) }) };

let primary: TestUpstream;
let backup: TestUpstream;
let wp: TestWarmpath;
let configFile: string;

function writeConfig(config: unknown): string {
  const file = join(tempDir('cli-drill'), 'warmpath.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

before(async () => {
  primary = await startOpenAIUpstream('primary');
  backup = await startOpenAIUpstream('backup');
  wp = await startWarmpath({ ...topology(primary.url, backup.url), server: { admin_token: token } }, { random: seededRandom(11), eligibility });
  // The CLI's own config file: the same workloads, pointing at the running admin listener.
  configFile = writeConfig({
    ...topology(primary.url, backup.url),
    server: { listen: '127.0.0.1:0', admin_listen: new URL(wp.adminUrl).host, admin_token: token },
    telemetry: { log_level: 'silent' },
  });
});
after(async () => {
  await wp.close();
  await primary.close();
  await backup.close();
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `warmpath drill …`; `during` drives traffic while it runs and may signal it. */
async function drill(args: string[], during: (child: { kill(signal: NodeJS.Signals): void; stdout(): string }) => Promise<void>): Promise<Run> {
  const child = spawn(process.execPath, [cliPath, 'drill', '--config', configFile, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await during({ kill: (signal) => void child.kill(signal), stdout: () => stdout });
    return { code: await exited, stdout, stderr };
  } finally {
    child.kill('SIGKILL');
  }
}

/** Sends the workload's requests through the openai SDK until `done` resolves. */
async function traffic(done: Promise<unknown>, routerUrl = wp.routerUrl): Promise<number> {
  const client = new OpenAI({ baseURL: `${routerUrl}/v1`, apiKey: 'local', maxRetries: 0 });
  let finished = false;
  void done.then(() => (finished = true));
  let sent = 0;
  while (!finished) {
    const answer = await client.chat.completions.create({ model: 'support', messages: [{ role: 'user', content: `question ${sent}` }] });
    assert.match(answer.choices[0]?.message.content ?? '', /hello from (primary|backup)/, 'a drill never fails a request');
    sent += 1;
    await new Promise((r) => setTimeout(r, 5));
  }
  return sent;
}

describe('warmpath drill against a running router', () => {
  test('a 2s drill with a healthy secondary: started line, report, verdict passed, exit 0', async () => {
    let sent = 0;
    const run = await drill(['--workload', 'support', '--route', 'b', '--share', '0.5', '--for', '2s'], async (child) => {
      await until(() => /started on workload support/.test(child.stdout()));
      const stop = until(() => /verdict:/.test(child.stdout()), { timeoutMs: 20_000 });
      sent = await traffic(stop);
    });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^drill [0-9a-f-]{36} started on workload support: 50% of requests to b first, for 2s, until /m);
    assert.match(run.stdout, /drill [0-9a-f-]{36} on workload support: ended \(after 2s\)/);
    const served = Number(/served by secondary (\d+)/.exec(run.stdout.split('ended (')[1] ?? '')?.[1]);
    assert.ok(served > 0 && served < sent, `served ${served} of ${sent}`);
    assert.match(run.stdout, /ROUTE\s+ATTEMPTS\s+SERVED\s+FAILED/);
    assert.match(run.stdout, new RegExp(`\\n  b\\s+${served}\\s+${served}\\s+0\\s+0`));
    assert.match(run.stdout, /\n  drill\s+\d+\s+[\d.]+ ms\s+[\d.]+ ms\s+0%/);
    assert.match(run.stdout, /\n  baseline \(primary\)\s+\d+\s+[\d.]+ ms\s+[\d.]+ ms\s+0%/);
    assert.match(run.stdout, /fell back by error class: -/);
    assert.match(run.stdout, /verdict: PASSED/);
    assert.equal(wp.drills.list().active.length, 0);
  });

  test('SIGINT ends the drill first; a failing secondary fails the verdict: exit 1 with each reason', async () => {
    backup.fallback = () => openAIError(503, 'backup overloaded');
    try {
      const run = await drill(['--workload', 'support', '--share', '1', '--for', '1m'], async (child) => {
        await until(() => /started on workload support/.test(child.stdout()));
        let enough!: () => void;
        const stop = new Promise<void>((resolve) => (enough = resolve));
        const sending = traffic(stop);
        await until(() => backup.hits.length >= 3);
        enough();
        await sending;
        child.kill('SIGINT');
      });
      assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, /SIGINT received, ending drill/);
      assert.match(run.stdout, /ended \(stopped\)/);
      assert.match(run.stdout, /fell back by error class: server_error \d+/);
      assert.match(run.stdout, /verdict: NOT PASSED\n  - no request was served by a drill route/);
      assert.match(run.stdout, /\n  - drill routes failed (\d+) of \1 attempts \(100\.0% > 5%\)/);
      assert.deepEqual(wp.drills.list().active, [], 'the drill was ended on the router');
    } finally {
      backup.fallback = (hit) => ({ body: openAICompletion('hello from backup', { model: String(hit.body.model) }) });
    }
  });

  test('--json prints the final report as JSON on stdout', async () => {
    const run = await drill(['--workload', 'support', '--route', 'b', '--share', '1', '--for', '1s', '--json'], async () => {
      await until(() => wp.drills.list().active.length === 1);
      await traffic(until(() => wp.drills.list().active.length === 0));
    });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as DrillReport;
    assert.deepEqual([report.workload, report.route, report.end_reason, report.verdict.passed], ['support', 'b', 'elapsed', true]);
    assert.ok(report.stats.served_by_drill > 0);
    assert.match(run.stderr, /started on workload support/);
  });

  test('a drill route that is not eligible now: a warning at start, drawn requests go to the primary', async () => {
    ineligible.add('b');
    try {
      const run = await drill(['--workload', 'support', '--route', 'b', '--share', '1', '--for', '1s'], async () => {
        await until(() => wp.drills.list().active.length === 1);
        await traffic(until(() => wp.drills.list().active.length === 0));
      });
      assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, /started on workload support.*\n.*follow: GET .*\n  warning: b is not eligible for failover right now: drawn requests go to the primary until one is \(warmpath routes --config \S+\.yaml says why\)\n/);
      assert.match(run.stdout, /verdict: NOT PASSED\n  - no request was served by a drill route \(\d+ drawn: 0 fell back to the primary, \d+ found no drill route eligible\)/);
    } finally {
      ineligible.clear();
    }
  });

  test('a refusal exits 1 naming the URL and the code', async () => {
    // Not spawnSync: the router answering it runs in this process.
    const run = await drill(['--workload', 'support', '--route', 'a'], async () => {});
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`no drill started: POST ${wp.adminUrl}/v1/drills answered 400: RTR_DRILL_ROUTE_NOT_SECONDARY`));
    const unknown = await drill(['--workload', 'nope'], async () => {});
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /answered 404: RTR_UNKNOWN_WORKLOAD/);
  });
});

describe('warmpath drill on two router replicas (--router, twice)', () => {
  let replica: TestWarmpath;
  before(async () => {
    replica = await startWarmpath({ ...topology(primary.url, backup.url), server: { admin_token: token } }, { random: seededRandom(12), eligibility });
  });
  after(() => replica.close());
  const both = () => ['--router', wp.adminUrl, '--router', `${replica.adminUrl}/`];
  /** Traffic to both routers from when both drills run until both have ended. */
  const trafficToBoth = async () => {
    const active = (n: number) => () => wp.drills.list().active.length === n && replica.drills.list().active.length === n;
    await until(active(1));
    const ended = until(active(0), { timeoutMs: 20_000 });
    await Promise.all([traffic(ended), traffic(ended, replica.routerUrl)]);
  };

  test('one drill on each, one report over both: counts summed, latency per router, one verdict', async () => {
    const run = await drill(['--workload', 'support', '--route', 'b', '--share', '0.5', '--for', '2s', ...both(), '--json'], trafficToBoth);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /^drill started on workload support on 2 routers: 50% of each one's requests to b first, for 2s/m);
    const { combined, routers } = JSON.parse(run.stdout) as { combined: DrillReport; routers: { url: string; report: DrillReport }[] };
    assert.deepEqual(routers.map((r) => r.url), [wp.adminUrl, replica.adminUrl]);
    const [own, other] = routers.map((r) => r.report) as [DrillReport, DrillReport];
    assert.deepEqual([own.id, other.id], [wp.drills.list().recent[0]?.id, replica.drills.list().recent[0]?.id], 'each router ran its own drill, newest first');
    assert.ok(own.stats.served_by_drill > 0 && other.stats.served_by_drill > 0, 'both routers drew requests');
    assert.equal(combined.id, `${own.id}, ${other.id}`);
    assert.equal(combined.stats.drawn, own.stats.drawn + other.stats.drawn);
    assert.equal(combined.stats.served_by_drill, own.stats.served_by_drill + other.stats.served_by_drill);
    assert.equal(combined.stats.baseline.requests, own.stats.baseline.requests + other.stats.baseline.requests);
    assert.deepEqual(combined.stats.routes.map((r) => [r.route, r.attempts]), [['b', own.stats.routes[0]!.attempts + other.stats.routes[0]!.attempts]]);
    assert.deepEqual([combined.stats.drill.p50_ms, combined.stats.drill.p95_ms], [null, null], 'percentiles do not add up: each router keeps its own');
    assert.deepEqual([combined.end_reason, combined.active, combined.verdict.passed], ['elapsed', false, true]);
  });

  test('the text report names both routers and shows latency router by router', async () => {
    const run = await drill(['--workload', 'support', '--route', 'b', '--share', '1', '--for', '1s', ...both()], trafficToBoth);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, new RegExp(`\n  ${replica.adminUrl}: drill [0-9a-f-]{36}   follow: GET ${replica.adminUrl}/v1/drills/`));
    assert.match(run.stdout, /drill [0-9a-f-]{36}, [0-9a-f-]{36} on workload support on 2 routers: ended \(after 1s\)/);
    assert.match(run.stdout, /\n  drill, all routers\s+\d+\s+-\s+-\s+0%/);
    assert.match(run.stdout, new RegExp(`\\n  drill @ ${wp.adminUrl}\\s+\\d+\\s+[\\d.]+ ms`));
    assert.match(run.stdout, new RegExp(`\\n  baseline @ ${replica.adminUrl}\\s+\\d+`));
    assert.match(run.stdout, /verdict: PASSED/);
  });

  test('a replica that refuses: the drill already started on the other is ended, exit 1 naming the refusing URL', async () => {
    const busy = (await (
      await fetch(`${replica.adminUrl}/v1/drills`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ workload: 'support', route: 'b', share: 0.01, duration: '1m' }),
      })
    ).json()) as DrillReport;
    try {
      const run = await drill(['--workload', 'support', ...both()], async () => {});
      assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stderr, new RegExp(`no drill started: POST ${replica.adminUrl}/v1/drills answered 409: RTR_DRILL_ACTIVE`));
      assert.match(run.stderr, new RegExp(`ended the drill already started on ${wp.adminUrl}\n`));
      assert.deepEqual(wp.drills.list().active, [], 'none left running on the router that accepted');
      assert.equal(wp.drills.list().recent[0]?.end_reason, 'stopped');
    } finally {
      await fetch(`${replica.adminUrl}/v1/drills/${busy.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    }
  });
});

test('warmpath drill says so when no router is running: exit 1 naming the URL', () => {
  const file = writeConfig({ ...topology('http://127.0.0.1:9', 'http://127.0.0.1:9'), server: { admin_listen: '127.0.0.1:9' } });
  const run = runCli(['drill', '--config', file, '--workload', 'support']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /cannot reach http:\/\/127\.0\.0\.1:9\/v1\/drills/);
});

const plans: { name: string; args: DrillArgs; want: DrillPlan | RegExp }[] = [
  { name: 'defaults', args: { workload: 'support' }, want: { workload: 'support', route: undefined, share: 0.1, durationMs: 300_000, routers: [], json: false, routesCommand: 'warmpath routes' } },
  { name: 'every option', args: { workload: 'support', route: 'b', share: '0.25', for: '90s', json: true }, want: { workload: 'support', route: 'b', share: 0.25, durationMs: 90_000, routers: [], json: true, routesCommand: 'warmpath routes' } },
  { name: 'a config file: the suggested command names it', args: { workload: 'support', config: 'prod/warmpath.yaml' }, want: { workload: 'support', route: undefined, share: 0.1, durationMs: 300_000, routers: [], json: false, routesCommand: 'warmpath routes --config prod/warmpath.yaml' } },
  { name: 'a config path with a space is quoted', args: { workload: 'support', config: 'my configs/w.yaml' }, want: { workload: 'support', route: undefined, share: 0.1, durationMs: 300_000, routers: [], json: false, routesCommand: 'warmpath routes --config "my configs/w.yaml"' } },
  { name: 'share 1 and 1s are allowed', args: { workload: 'w', share: '1', for: '1s' }, want: { workload: 'w', route: undefined, share: 1, durationMs: 1000, routers: [], json: false, routesCommand: 'warmpath routes' } },
  {
    name: 'routers: trailing slashes dropped, paths kept',
    args: { workload: 'w', router: ['http://10.0.0.7:8081/', 'https://r2.internal/warmpath/'] },
    want: { workload: 'w', route: undefined, share: 0.1, durationMs: 300_000, routers: ['http://10.0.0.7:8081', 'https://r2.internal/warmpath'], json: false, routesCommand: 'warmpath routes' },
  },
  { name: '--router not a URL', args: { workload: 'w', router: ['10.0.0.7:8081'] }, want: /--router "10.0.0.7:8081" is not a URL|--router 10.0.0.7:8081: only http and https URLs/ },
  { name: '--router not http', args: { workload: 'w', router: ['ftp://10.0.0.7'] }, want: /--router ftp:\/\/10.0.0.7: only http and https URLs/ },
  { name: '--router twice', args: { workload: 'w', router: ['http://a:1', 'http://a:1/'] }, want: /--router http:\/\/a:1\/ is given twice/ },
  { name: 'missing --workload', args: {}, want: /--workload W is required/ },
  { name: '--share above 1', args: { workload: 'support', share: '1.5' }, want: /--share must be a number > 0 and <= 1, got "1.5"/ },
  { name: '--share not a number', args: { workload: 'support', share: 'half' }, want: /--share must be a number/ },
  { name: '--share 0', args: { workload: 'support', share: '0' }, want: /--share must be a number/ },
  { name: '--share empty', args: { workload: 'support', share: ' ' }, want: /--share must be a number/ },
  { name: '--for not a duration', args: { workload: 'support', for: 'soon' }, want: /--for: not a duration: "soon"/ },
  { name: '--for under 1s', args: { workload: 'support', for: '500ms' }, want: /--for must be between 1s and 24h, got 500ms/ },
  { name: '--for over 24h', args: { workload: 'support', for: '2d' }, want: /--for must be between 1s and 24h, got 2d/ },
];
for (const c of plans) {
  test(`drill arguments: ${c.name}`, () => {
    const plan = drillPlan(c.args);
    if (c.want instanceof RegExp) assert.match(String(plan), c.want);
    else assert.deepEqual(plan, c.want);
  });
}

const usageErrors: { name: string; args: string[]; message: RegExp }[] = [
  { name: 'missing --workload', args: [], message: /--workload W is required/ },
  { name: 'bad --share', args: ['--workload', 'support', '--share', '1.5'], message: /--share must be a number > 0 and <= 1/ },
  { name: 'an unknown option', args: ['--workload', 'support', '--percent', '5'], message: /Unknown option '--percent'/ },
];
for (const c of usageErrors) {
  test(`warmpath drill usage error exits 2: ${c.name}`, () => {
    // No config file needed: usage is checked first.
    const run = runCli(['drill', '--config', '/nonexistent/warmpath.yaml', ...c.args]);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, c.message);
  });
}

test('warmpath drill --help prints the verb\'s usage', () => {
  const run = runCli(['drill', '--help']);
  assert.equal(run.status, 0);
  assert.match(run.stdout, /Usage: warmpath drill --config FILE --workload W \[--route R\] \[--share S\] \[--for DURATION\] \[--router URL\]\.\.\. \[--json\]/);
  assert.match(run.stdout, /--router URL {7}a router replica's admin listener/);
});

test('progress line and report text', () => {
  const report: DrillReport = {
    id: 'd1',
    workload: 'support',
    route: null,
    routes: ['b', 'c'],
    share: 0.1,
    duration: '5m',
    started_at: '2026-11-21T12:00:00.000Z',
    ends_at: '2026-11-21T12:05:00.000Z',
    ended_at: '2026-11-21T12:05:00.000Z',
    end_reason: 'elapsed',
    active: false,
    ineligible_now: [],
    stats: {
      drawn: 40,
      served_by_drill: 37,
      fell_back: 2,
      fell_back_by_error_class: { timeout: 1, bad_request: 1 },
      skipped_ineligible: 1,
      client_errors: 0,
      cancelled: 0,
      failed_attempt_rate: 0.0513,
      routes: [
        { route: 'b', attempts: 39, served: 37, failed: 2, failed_by_error_class: { timeout: 1, bad_request: 1 }, skipped_ineligible: 1 },
        { route: 'c', attempts: 0, served: 0, failed: 0, failed_by_error_class: {}, skipped_ineligible: 0 },
      ],
      drill: { requests: 39, samples: 37, p50_ms: 212.4, p95_ms: 480, error_rate: 0.0513 },
      baseline: { requests: 360, samples: 359, p50_ms: 150, p95_ms: 390.2, error_rate: 0.0028 },
    },
    verdict: { passed: false, reasons: ['drill routes failed 2 of 39 attempts (5.1% > 5%)'] },
  };
  assert.equal(progressLine(report, 10_400), '  10s  drawn 40  served by secondary 37  fell back 2  skipped (ineligible) 1  client errors 0');
  assert.equal(
    progressLine({ ...report, active: true, ineligible_now: ['b'] }, 5_000),
    '  5s  drawn 40  served by secondary 37  fell back 2  skipped (ineligible) 1  client errors 0  (not eligible now: b)',
  );
  const text = formatDrillReport(report);
  assert.match(text, /^drill d1 on workload support: ended \(after 5m\) at 2026-11-21T12:05:00.000Z\n  share 10%, routes b, c \(failover chain\)/);
  assert.match(text, /\n  b\s+39\s+37\s+2\s+1\s+timeout 1, bad_request 1\n/);
  assert.match(text, /\n  drill\s+39\s+212.4 ms\s+480 ms\s+5.1%\n  baseline \(primary\)\s+360\s+150 ms\s+390.2 ms\s+0.3%/);
  assert.match(text, /fell back by error class: timeout 1, bad_request 1/);
  assert.match(text, /verdict: NOT PASSED\n  - drill routes failed 2 of 39 attempts \(5.1% > 5%\)$/);
});

test('reports of several routers merge: counts and classes summed, rates from the sums, the verdict taken again', () => {
  const latency = (requests: number, failures: number, p50: number | null) => ({ requests, samples: requests - failures, p50_ms: p50, p95_ms: p50, error_rate: requests === 0 ? null : failures / requests });
  const route = (name: string, attempts: number, failedByClass: Record<string, number>, skipped = 0): DrillRouteStats => {
    const failed = Object.values(failedByClass).reduce((a, b) => a + b, 0);
    return { route: name, attempts, served: attempts - failed, failed, failed_by_error_class: failedByClass, skipped_ineligible: skipped };
  };
  const reportOf = (id: string, routes: DrillRouteStats[], extra: Partial<DrillReport> = {}): DrillReport => {
    const attempts = routes.reduce((n, r) => n + r.attempts, 0);
    const failed = routes.reduce((n, r) => n + r.failed, 0);
    const served = routes.reduce((n, r) => n + r.served, 0);
    const stats: DrillStats = {
      drawn: attempts + routes.reduce((n, r) => n + r.skipped_ineligible, 0),
      served_by_drill: served,
      fell_back: failed,
      fell_back_by_error_class: Object.fromEntries(routes.flatMap((r) => Object.entries(r.failed_by_error_class))),
      skipped_ineligible: routes.reduce((n, r) => n + r.skipped_ineligible, 0),
      client_errors: 0,
      cancelled: 0,
      failed_attempt_rate: attempts === 0 ? null : failed / attempts,
      routes,
      drill: latency(attempts, failed, attempts === 0 ? null : 200),
      baseline: latency(100, 1, 150),
    };
    return {
      id, workload: 'support', route: null, routes: routes.map((r) => r.route), share: 0.1, duration: '5m',
      started_at: '2026-11-21T12:00:00.000Z', ends_at: '2026-11-21T12:05:00.000Z', ended_at: '2026-11-21T12:05:00.000Z',
      end_reason: 'elapsed', active: false, ineligible_now: [], stats, verdict: drillVerdict(stats, failed, attempts), ...extra,
    };
  };
  const idle = reportOf('r1', [route('b', 0, {}), route('c', 0, {})]);
  const busy = reportOf('r2', [route('b', 40, { timeout: 2 }), route('c', 0, {})], { end_reason: 'stopped', ended_at: '2026-11-21T12:03:00.000Z', ineligible_now: ['c'] });
  const worse = reportOf('r3', [route('b', 10, { bad_request: 1 }), route('c', 1, { timeout: 1 }, 2)]);
  assert.equal(idle.verdict.passed, false, 'a replica that drew nothing fails on its own');

  const cases: { name: string; reports: DrillReport[]; check: (m: DrillReport) => void }[] = [
    {
      name: 'an idle replica beside a busy one: the drill passes on the sums',
      reports: [idle, busy],
      check: (m) => {
        assert.equal(m.id, 'r1, r2');
        assert.deepEqual([m.stats.drawn, m.stats.served_by_drill, m.stats.fell_back], [40, 38, 2]);
        assert.deepEqual(m.stats.routes.map((r) => [r.route, r.attempts, r.failed]), [['b', 40, 2], ['c', 0, 0]]);
        assert.equal(m.stats.failed_attempt_rate, 0.05);
        assert.deepEqual(m.stats.drill, { requests: 40, samples: 38, p50_ms: null, p95_ms: null, error_rate: 0.05 });
        assert.deepEqual(m.stats.baseline, { requests: 200, samples: 198, p50_ms: null, p95_ms: null, error_rate: 0.01 });
        assert.deepEqual([m.end_reason, m.ended_at, m.ineligible_now], ['stopped', '2026-11-21T12:05:00.000Z', ['c']]);
        assert.deepEqual(m.verdict, { passed: true, reasons: [] });
      },
    },
    {
      name: 'failures on two routers and two routes: classes summed per route, the rate over every attempt',
      reports: [busy, worse],
      check: (m) => {
        assert.deepEqual(m.stats.routes.map((r) => [r.route, r.attempts, r.failed_by_error_class, r.skipped_ineligible]), [['b', 50, { timeout: 2, bad_request: 1 }, 0], ['c', 1, { timeout: 1 }, 2]]);
        assert.deepEqual(m.stats.fell_back_by_error_class, { timeout: 3, bad_request: 1 });
        assert.deepEqual(m.verdict, { passed: false, reasons: ['drill routes failed 4 of 51 attempts (7.8% > 5%)'] });
      },
    },
    {
      name: 'one still running: the merge is running too',
      reports: [busy, { ...worse, active: true, ended_at: null, end_reason: null }],
      check: (m) => assert.deepEqual([m.active, m.ended_at, m.end_reason], [true, null, null]),
    },
  ];
  for (const c of cases) {
    c.check(mergeDrillReports(c.reports));
  }
  assert.equal(mergeDrillReports([busy]), busy, 'one report is its own merge');

  const text = formatDrillReport(mergeDrillReports([idle, busy]), [{ url: 'http://r1:8081', report: idle }, { url: 'http://r2:8081', report: busy }]);
  assert.match(text, /^drill r1, r2 on workload support on 2 routers: ended \(stopped\)/);
  assert.match(text, /\n  drill, all routers\s+40\s+-\s+-\s+5%\n  baseline \(primary\), all routers\s+200\s+-\s+-\s+1%\n  drill @ http:\/\/r1:8081\s+0\s+-\s+-\s+-\n  baseline @ http:\/\/r1:8081\s+100\s+150 ms/);
  assert.match(text, /\n  drill @ http:\/\/r2:8081\s+40\s+200 ms\s+200 ms\s+5%/);
});
