// The drill board on its own: refusals and their codes, sampling under a seeded random,
// expiry under an injected clock, and the stats a drill's requests write.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { isWarmpathError, parseConfig, seededRandom, systemClock, type Clock } from '../core/index.ts';
import { createProviderClients } from '../providers/index.ts';
import { DrillBoard, DrillPass, type DrillSpec } from './drill.ts';
import { buildRouteTable } from './route-table.ts';

const us = { region: 'us', retention_days: 0, logs_prompts: false, data_classes: ['pii'], tools: true };
const eu = { ...us, region: 'eu' };
const price = { input_per_mtok: 1, output_per_mtok: 2 };

const config = parseConfig(
  stringify({
    providers: { sim: { kind: 'simulated' } },
    routes: {
      a: { provider: 'sim', model: 'a', price, policy: us },
      b: { provider: 'sim', model: 'b', price, policy: us },
      c: { provider: 'sim', model: 'c', price, policy: us },
      far: { provider: 'sim', model: 'far', price, policy: eu },
    },
    workloads: {
      support: { primary: 'a', secondaries: ['b', 'far', 'c'], requires: { regions: ['us'] } },
      strict: { primary: 'a', secondaries: ['b'], on_primary_failure: 'fail_closed' },
      alone: { primary: 'a' },
      stranded: { primary: 'a', secondaries: ['far'], requires: { regions: ['us'] } },
    },
  }),
  'drill-test.yaml',
);
const table = buildRouteTable(config, createProviderClients(config, { clock: systemClock }), systemClock);
const workloads = Object.keys(config.workloads).map((name) => table.forWorkload(name));

function manualClock(start = Date.parse('2026-11-21T12:00:00Z')): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, monotonic: () => now, advance: (ms) => void (now += ms) };
}

function board(clock: Clock = manualClock(), random = seededRandom(7)) {
  let n = 0;
  return new DrillBoard({ workloads, clock, random, newId: () => `drill-${++n}`, keepEnded: 3, reservoirSize: 100 });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isWarmpathError(err)) return `${err.status} ${err.code}`;
    throw err;
  }
  return undefined;
}

describe('starting a drill', () => {
  const refusals: { name: string; spec: DrillSpec; want: string }[] = [
    { name: 'unknown workload', spec: { workload: 'nope' }, want: '404 RTR_UNKNOWN_WORKLOAD' },
    { name: 'fail_closed workload', spec: { workload: 'strict' }, want: '409 RTR_DRILL_FAIL_CLOSED' },
    { name: 'route that is not a secondary', spec: { workload: 'support', route: 'a' }, want: '400 RTR_DRILL_ROUTE_NOT_SECONDARY' },
    { name: 'route unknown to the config', spec: { workload: 'support', route: 'zzz' }, want: '400 RTR_DRILL_ROUTE_NOT_SECONDARY' },
    { name: 'route not certified for the workload', spec: { workload: 'support', route: 'far' }, want: '409 RTR_DRILL_ROUTE_NOT_CERTIFIED' },
    { name: 'workload without secondaries', spec: { workload: 'alone' }, want: '409 RTR_DRILL_NO_SECONDARY' },
    { name: 'workload whose secondaries are all uncertified', spec: { workload: 'stranded' }, want: '409 RTR_DRILL_NO_SECONDARY' },
    { name: 'share 0', spec: { workload: 'support', share: 0 }, want: '400 RTR_DRILL_INVALID' },
    { name: 'share above 1', spec: { workload: 'support', share: 1.5 }, want: '400 RTR_DRILL_INVALID' },
    { name: 'share NaN', spec: { workload: 'support', share: Number.NaN }, want: '400 RTR_DRILL_INVALID' },
    { name: 'duration under 1s', spec: { workload: 'support', durationMs: 500 }, want: '400 RTR_DRILL_INVALID' },
    { name: 'duration over 24h', spec: { workload: 'support', durationMs: 24 * 3_600_000 + 1 }, want: '400 RTR_DRILL_INVALID' },
  ];
  for (const c of refusals) {
    test(`refused: ${c.name} → ${c.want}`, () => {
      const b = board();
      assert.equal(codeOf(() => b.start(c.spec)), c.want);
      assert.deepEqual(b.list(), { active: [], recent: [] });
    });
  }

  test('the refusal names why: the uncertified route carries its policy refusal', () => {
    assert.throws(() => board().start({ workload: 'support', route: 'far' }), /region eu not in \[us\]/);
  });

  test('defaults: share 0.1, 5 minutes, the certified failover chain in order', () => {
    const clock = manualClock();
    const report = board(clock).start({ workload: 'support' });
    assert.deepEqual(
      { id: report.id, route: report.route, routes: report.routes, share: report.share, duration: report.duration, active: report.active, started_at: report.started_at, ends_at: report.ends_at, ended_at: report.ended_at },
      { id: 'drill-1', route: null, routes: ['b', 'c'], share: 0.1, duration: '5m', active: true, started_at: '2026-11-21T12:00:00.000Z', ends_at: '2026-11-21T12:05:00.000Z', ended_at: null },
    );
    assert.equal(report.verdict.passed, false);
  });

  test('ineligible_now: the drill routes not eligible at each report, none once the drill ended', () => {
    const held = new Set(['c']);
    const clock = manualClock();
    const b = new DrillBoard({ workloads, clock, random: seededRandom(7), eligibility: { snapshot: () => ({ isEligible: (_w, r) => !held.has(r) }) } });
    const started = b.start({ workload: 'support', durationMs: 60_000 });
    assert.deepEqual(started.ineligible_now, ['c']);
    held.add('b');
    assert.deepEqual(b.report(started.id).ineligible_now, ['b', 'c']);
    held.clear();
    assert.deepEqual(b.list().active[0]?.ineligible_now, []);
    held.add('b');
    assert.deepEqual(b.stop(started.id).ineligible_now, [], 'an ended drill has nothing to say about now');
  });

  test('one active drill per workload: a second is refused with the first one named', () => {
    const b = board();
    b.start({ workload: 'support', route: 'b', durationMs: 60_000 });
    assert.equal(codeOf(() => b.start({ workload: 'support', route: 'c' })), '409 RTR_DRILL_ACTIVE');
    assert.throws(() => b.start({ workload: 'support' }), /drill-1/);
  });
});

describe('drawing requests', () => {
  test('share 0.25 under a seeded random draws about a quarter, and the same ones each run', () => {
    const draws = (seed: number) => {
      const b = board(manualClock(), seededRandom(seed));
      b.start({ workload: 'support', share: 0.25 });
      const drill = b.activeFor('support');
      assert.ok(drill !== undefined);
      return Array.from({ length: 4000 }, () => drill.draw());
    };
    const first = draws(42);
    const share = first.filter(Boolean).length / first.length;
    assert.ok(share > 0.22 && share < 0.28, `drew ${share}`);
    assert.deepEqual(draws(42), first, 'deterministic under the same seed');
  });

  test('share 1 draws every request; other workloads see no drill', () => {
    const b = board();
    b.start({ workload: 'support', share: 1 });
    const drill = b.activeFor('support');
    assert.ok(drill !== undefined && Array.from({ length: 100 }, () => drill.draw()).every(Boolean));
    assert.equal(b.activeFor('alone'), undefined);
  });
});

describe('ending', () => {
  test('a drill ends by itself at ends_at (elapsed) and moves to recent', () => {
    const clock = manualClock();
    const b = board(clock);
    const { id } = b.start({ workload: 'support', durationMs: 1000 });
    clock.advance(999);
    assert.ok(b.activeFor('support') !== undefined);
    clock.advance(1);
    assert.equal(b.activeFor('support'), undefined);
    const report = b.report(id);
    assert.deepEqual([report.active, report.end_reason, report.ended_at], [false, 'elapsed', '2026-11-21T12:00:01.000Z']);
    assert.deepEqual(b.list().recent.map((r) => r.id), [id]);
    // The workload is free again.
    assert.equal(b.start({ workload: 'support' }).id, 'drill-2');
  });

  test('expiry is noticed by list() too, without traffic', () => {
    const clock = manualClock();
    const b = board(clock);
    b.start({ workload: 'support', durationMs: 2000 });
    clock.advance(5000);
    const { active, recent } = b.list();
    assert.deepEqual([active.length, recent[0]?.end_reason, recent[0]?.ended_at], [0, 'elapsed', '2026-11-21T12:00:02.000Z']);
  });

  test('stop ends it now; stopping again reports the same end; unknown ids are 404', () => {
    const clock = manualClock();
    const b = board(clock);
    const { id } = b.start({ workload: 'support', durationMs: 60_000 });
    clock.advance(1500);
    const stopped = b.stop(id);
    assert.deepEqual([stopped.active, stopped.end_reason, stopped.ended_at], [false, 'stopped', '2026-11-21T12:00:01.500Z']);
    clock.advance(1000);
    assert.equal(b.stop(id).ended_at, '2026-11-21T12:00:01.500Z');
    assert.equal(codeOf(() => b.stop('nope')), '404 RTR_DRILL_NOT_FOUND');
    assert.equal(codeOf(() => b.report('nope')), '404 RTR_DRILL_NOT_FOUND');
  });

  test('keeps only the last ended drills', () => {
    const b = board();
    const ids = Array.from({ length: 5 }, () => b.stop(b.start({ workload: 'support' }).id).id);
    assert.deepEqual(b.list().recent.map((r) => r.id), ids.slice(2).reverse());
    assert.equal(codeOf(() => b.report(ids[0] as string)), '404 RTR_DRILL_NOT_FOUND');
  });
});

describe('stats and verdict', () => {
  const pass = (fill: (p: DrillPass) => void): DrillPass => {
    const p = new DrillPass();
    fill(p);
    return p;
  };

  test('served, fell back by class, skipped, client errors, cancelled; drill vs baseline latency', () => {
    const b = board();
    const { id } = b.start({ workload: 'support', share: 1 });
    const drill = b.activeFor('support');
    assert.ok(drill !== undefined);
    // 18 served by b (10..27 ms), one fell back from b (503) to the primary, which answered.
    for (let i = 0; i < 18; i++) drill.recordDrawn(pass((p) => (p.attempts.push({ route: 'b', errorClass: null }), (p.servedBy = 'b'))), 'ok', null, 10 + i);
    drill.recordDrawn(pass((p) => p.attempts.push({ route: 'b', errorClass: 'server_error' })), 'ok', null, 300);
    // b not eligible, c served.
    drill.recordDrawn(pass((p) => (p.skipped.push('b'), p.attempts.push({ route: 'c', errorClass: null }), (p.servedBy = 'c'))), 'ok', null, 40);
    // nothing eligible: straight to the primary, which failed too: a client error.
    drill.recordDrawn(pass((p) => p.skipped.push('b', 'c')), 'error', 'server_error', 5);
    // the client left during the drill attempt.
    drill.recordDrawn(pass((p) => (p.cancelled = true)), 'error', 'cancelled', 1);
    // baseline: 9 primary answers (100..180 ms) and one failover.
    for (let i = 0; i < 9; i++) drill.recordBaseline(true, 'ok', null, 100 + 10 * i);
    drill.recordBaseline(false, 'ok', null, 400);
    drill.recordBaseline(true, 'error', 'cancelled', 1);

    const { stats, verdict } = b.report(id);
    assert.deepEqual(
      { ...stats, drill: undefined, baseline: undefined },
      {
        drawn: 22,
        served_by_drill: 19,
        fell_back: 1,
        fell_back_by_error_class: { server_error: 1 },
        skipped_ineligible: 1,
        client_errors: 1,
        cancelled: 1,
        failed_attempt_rate: 0.05,
        routes: [
          { route: 'b', attempts: 19, served: 18, failed: 1, failed_by_error_class: { server_error: 1 }, skipped_ineligible: 2 },
          { route: 'c', attempts: 1, served: 1, failed: 0, failed_by_error_class: {}, skipped_ineligible: 1 },
        ],
        drill: undefined,
        baseline: undefined,
      },
    );
    assert.deepEqual(stats.drill, { requests: 20, samples: 19, p50_ms: 19, p95_ms: 40, error_rate: 0.05 });
    assert.deepEqual(stats.baseline, { requests: 10, samples: 9, p50_ms: 140, p95_ms: 180, error_rate: 0.1 });
    assert.deepEqual(verdict, { passed: true, reasons: [] }, '1 failed of 20 attempts is 5%: at the limit');
  });

  const verdicts: { name: string; record: (d: NonNullable<ReturnType<DrillBoard['activeFor']>>) => void; passed: boolean; reason?: RegExp }[] = [
    { name: 'no traffic', record: () => {}, passed: false, reason: /no request was drawn/ },
    {
      name: 'drill routes never eligible',
      record: (d) => d.recordDrawn(pass((p) => p.skipped.push('b', 'c')), 'ok', null, 5),
      passed: false,
      reason: /no request was served by a drill route \(1 drawn: 0 fell back to the primary, 1 found no drill route eligible\)/,
    },
    {
      name: 'too many failed attempts',
      record: (d) => {
        for (let i = 0; i < 9; i++) d.recordDrawn(pass((p) => (p.attempts.push({ route: 'b', errorClass: null }), (p.servedBy = 'b'))), 'ok', null, 5);
        d.recordDrawn(pass((p) => p.attempts.push({ route: 'b', errorClass: 'bad_request' }, { route: 'c', errorClass: 'timeout' })), 'ok', null, 5);
      },
      passed: false,
      reason: /drill routes failed 2 of 11 attempts \(18\.2% > 5%\)/,
    },
    {
      name: 'a drill-served stream that broke counts as a failure of its route',
      record: (d) => {
        d.recordDrawn(pass((p) => (p.attempts.push({ route: 'b', errorClass: null }), (p.servedBy = 'b'))), 'ok', null, 5);
        d.recordDrawn(pass((p) => (p.attempts.push({ route: 'b', errorClass: null }), (p.servedBy = 'b'))), 'truncated', 'truncated', 5);
      },
      passed: false,
      reason: /drill routes failed 1 of 2 attempts/,
    },
    { name: 'one served, none failed', record: (d) => d.recordDrawn(pass((p) => (p.attempts.push({ route: 'c', errorClass: null }), (p.servedBy = 'c'))), 'ok', null, 5), passed: true },
  ];
  for (const c of verdicts) {
    test(`verdict: ${c.name}`, () => {
      const b = board();
      const { id } = b.start({ workload: 'support', share: 1 });
      c.record(b.activeFor('support') as NonNullable<ReturnType<DrillBoard['activeFor']>>);
      const { verdict } = b.report(id);
      assert.equal(verdict.passed, c.passed, verdict.reasons.join('; '));
      if (c.reason !== undefined) assert.match(verdict.reasons.join('; '), c.reason);
    });
  }

  test('latency samples stay bounded by the reservoir', () => {
    const b = board();
    const { id } = b.start({ workload: 'support', share: 1 });
    const drill = b.activeFor('support');
    assert.ok(drill !== undefined);
    for (let i = 0; i < 1000; i++) drill.recordBaseline(true, 'ok', null, i);
    const { baseline } = b.report(id).stats;
    assert.equal(baseline.requests, 1000);
    assert.equal(baseline.samples, 100);
    assert.ok((baseline.p50_ms as number) > 300 && (baseline.p50_ms as number) < 700, `p50 ${baseline.p50_ms}`);
  });
});
