import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClosedLoopResult, OpenLoopResult, Percentiles } from './load-spec.ts';
import { combineClosed, combineOpen, type Measurement } from './measure.ts';
import { figures, humanReport, pairedRatios, roundLines, saturationNotes, type BenchResults } from './report.ts';

test('paired ratios: one per round, NaN where the denominator is not positive or missing', () => {
  const cases: [number[], number[], number[]][] = [
    [[2, 3], [1, 2], [2, 1.5]],
    [[1, 1], [0, -1], [Number.NaN, Number.NaN]],
    [[1, 2, 3], [1], [1, Number.NaN, Number.NaN]],
    [[], [1], []],
  ];
  for (const [a, b, expected] of cases) assert.deepEqual(pairedRatios(a, b), expected, `${a} / ${b}`);
});

const percentilesOf = (p50: number, p99: number): Percentiles => ({ p50, p90: p50, p99, max: p99, mean: p50 });

function openRound(target: string, p50: number, p99: number): Measurement<OpenLoopResult> {
  const latency = percentilesOf(p50, p99);
  const load: OpenLoopResult = {
    kind: 'open',
    sent: 1000,
    ok: 1000,
    errors: 0,
    errorSamples: [],
    achievedRps: 1000,
    latencyMs: latency,
    ttfbMs: latency,
    sendLagMs: percentilesOf(0.1, 1),
    windowStartMs: 0,
    windowEndMs: 1000,
    generatorCpuPct: 10,
  };
  return { target, targetCpuPct: 10, upstreamCpuPct: 5, otherCpuPct: 0, load, roundLoads: [load] };
}

function closedRound(target: string, rps: number): Measurement<ClosedLoopResult> {
  const load: ClosedLoopResult = { kind: 'closed', generator: 'wrk', connections: 50, ok: rps, errors: 0, achievedRps: rps, latencyMs: percentilesOf(2, 10), windowStartMs: 0, windowEndMs: 1000, generatorCpuPct: 20 };
  return { target, targetCpuPct: 100, upstreamCpuPct: 30, otherCpuPct: 0, load, roundLoads: [load] };
}

function results(rounds: number, maxRounds = rounds): BenchResults {
  // p50s by round: direct 0.1, bare proxy +0.2/+0.1/+0.3, warmpath +0.3/+0.2/+0.3, Portkey +1 each.
  const open = {
    direct: [0.1, 0.1, 0.1].map((p50) => openRound('direct', p50, 1)),
    'bare proxy': [0.3, 0.2, 0.4].map((p50) => openRound('bare proxy', p50, 6)),
    warmpath: [0.4, 0.3, 0.4].map((p50) => openRound('warmpath', p50, 3)),
    portkey: [1.1, 1.1, 1.1].map((p50) => openRound('portkey', p50, 30)),
  };
  const closed = {
    direct: [60_000].map((rps) => closedRound('direct', rps)),
    'bare proxy': [10_000, 12_000, 11_000].map((rps) => closedRound('bare proxy', rps)),
    warmpath: [7_000, 11_400, 9_900].map((rps) => closedRound('warmpath', rps)),
    portkey: [2_000, 2_000, 2_200].map((rps) => closedRound('portkey', rps)),
  };
  return {
    busyRuns: 0,
    overhead: Object.values(open).map((runs) => combineOpen(runs.slice(0, rounds))),
    overheadRate: 1000,
    max: Object.values(closed).map((runs) => combineClosed(runs.slice(0, maxRounds))),
    maxConnections: 50,
    stream: [
      combineOpen([1.0, 1.1, 0.9].slice(0, rounds).map((p50) => openRound('direct', p50, 3))),
      combineOpen([2.0, 2.5, 1.5].slice(0, rounds).map((p50) => openRound('warmpath', p50, 6))),
    ],
    streamRate: 100,
    shadow: {
      off: combineOpen([50, 51, 52].slice(0, rounds).map((p99) => openRound('shadow off', 50, p99))),
      on: combineOpen([55, 51, 52].slice(0, rounds).map((p99) => openRound('shadow 100%', 50, p99))),
      mirroredPerRequest: 2,
      offMirroredPerRequest: 0,
    },
    shadowRate: 200,
    warmpathMemory: undefined,
    components: [],
  };
}

test('round lines: each round of each target, and the paired ratios, in the order the rounds ran', () => {
  const lines = roundLines(results(3));
  assert.deepEqual(lines.overhead, [
    'per round, +p50 (ms): bare proxy 0.20 0.10 0.30 | warmpath 0.30 0.20 0.30 | portkey 1.00 1.00 1.00',
    'per round, +p99 (ms): bare proxy 5.00 5.00 5.00 | warmpath 2.00 2.00 2.00 | portkey 29.0 29.0 29.0',
    'per round, warmpath ÷ bare proxy +p50 1.50 2.00 1.00; portkey ÷ warmpath +p50 3.33 5.00 3.33',
  ]);
  assert.deepEqual(lines.max, [
    'per round, req/s: direct 60,000 | bare proxy 10,000 12,000 11,000 | warmpath 7,000 11,400 9,900 | portkey 2,000 2,000 2,200',
    'per round, warmpath ÷ bare proxy 0.70 0.95 0.90; warmpath ÷ portkey 3.50 5.70 4.50',
  ]);
  assert.deepEqual(lines.stream, ['per round, TTFB p50 (ms): direct 1.00 1.10 0.90 | warmpath 2.00 2.50 1.50']);
  assert.deepEqual(lines.shadow, ['per round, p99 (ms): shadow off 50.0 51.0 52.0 | shadow 100% 55.0 51.0 52.0; on ÷ off 1.10 1.00 1.00']);
});

test('round lines: none for a single round, whose table already is the round', () => {
  assert.deepEqual(roundLines(results(1)), { overhead: [], max: [], stream: [], shadow: [] });
});

test('round lines: per scenario, for the scenarios measured in several rounds', () => {
  const lines = roundLines(results(1, 3));
  assert.deepEqual(lines.overhead, []);
  assert.deepEqual(lines.shadow, []);
  assert.equal(lines.max.length, 2);
  assert.match(humanReport(results(1, 3), {}), /Max throughput: .*each figure the median of 3 interleaved rounds; direct: 1 round\)/);
  assert.doesNotMatch(humanReport(results(1, 3), {}), /Overhead: .*median/);
});

test('a figure between two targets is the median of its rounds\' own ratios, not the ratio of the medians', () => {
  const f = figures(results(3));
  // Paired per round: max 0.70 0.95 0.90 and +p50 1.5 2.0 1.0; the medians of each target give the same here.
  assert.equal(f['router.max_rps_vs_bare'], 0.9);
  assert.equal(f['router.vs_bare_p50_ratio'], 1.5);
  assert.equal(f['router.portkey_p50_ratio'], 3.333);
  assert.equal(f['router.shadow_p99_ratio'], 1);
  assert.equal(f['router.ttfb_stream_ms'], 2);

  // Where they differ: a quick run of 2026-11-22 reported 0.809 (warmpath's median round
  // over the bare proxy's, rounds apart) while its own rounds were 0.81, 0.66 and 0.74.
  const cases: { what: string; bare: number[]; warmpath: number[]; portkey: number[]; vsBare: number; vsPortkey: number }[] = [
    { what: 'the quick run', bare: [11_032, 10_277, 13_391], warmpath: [8_926, 6_819, 9_858], portkey: [2_037, 2_086, 2_100], vsBare: 0.736, vsPortkey: 4.382 },
    { what: 'a slow round in the middle', bare: [14_889, 14_747, 11_008], warmpath: [12_967, 10_101, 9_040], portkey: [3_000, 3_000, 3_000], vsBare: 0.821, vsPortkey: 3.367 },
    { what: 'one round', bare: [10_000], warmpath: [8_000], portkey: [2_000], vsBare: 0.8, vsPortkey: 4 },
    { what: 'a round the target failed is left out', bare: [10_000, 10_000, 10_000], warmpath: [9_000, 7_000, 8_000], portkey: [2_000, 0, 2_000], vsBare: 0.8, vsPortkey: 4.25 },
  ];
  for (const c of cases) {
    const r = results(3);
    const max = [
      combineClosed([closedRound('direct', 60_000)]),
      combineClosed(c.bare.map((rps) => closedRound('bare proxy', rps))),
      combineClosed(c.warmpath.map((rps) => closedRound('warmpath', rps))),
      combineClosed(c.portkey.map((rps) => closedRound('portkey', rps))),
    ];
    const g = figures({ ...r, max });
    assert.equal(g['router.max_rps_vs_bare'], c.vsBare, c.what);
    assert.equal(g['router.max_rps_vs_portkey'], c.vsPortkey, c.what);
  }

  // Overheads: bare proxy +p50 0.10 0.40 0.12, warmpath 0.15 0.30 0.20 (median 0.20 over 0.12 = 1.67; paired 1.5 0.75 1.67).
  const open = [
    combineOpen([0.1, 0.1, 0.1].map((p50) => openRound('direct', p50, 1))),
    combineOpen([0.2, 0.5, 0.22].map((p50) => openRound('bare proxy', p50, 6))),
    combineOpen([0.25, 0.4, 0.3].map((p50) => openRound('warmpath', p50, 3))),
  ];
  assert.equal(figures({ ...results(3), overhead: open })['router.vs_bare_p50_ratio'], 1.5);
});

test('saturation notes: a proxy using 90% of a core or more at a fixed rate is named, with its share', () => {
  const cases: [target: string, cpuPct: number | undefined, noted: boolean][] = [
    ['portkey', 107, true],
    ['portkey', 90, true],
    ['portkey', 89.9, false],
    ['warmpath', 36, false],
    ['bare proxy', undefined, false],
    ['direct', 100, false],
  ];
  for (const [target, cpuPct, noted] of cases) {
    const notes = saturationNotes([{ ...openRound(target, 1, 5), targetCpuPct: cpuPct }], 1000);
    assert.equal(notes.length, noted ? 1 : 0, `${target} at ${cpuPct}%`);
    if (noted) assert.match(notes[0] ?? '', new RegExp(`^note: ${target} used ${Math.round(cpuPct ?? 0)}% of a core at 1,000 req/s`));
  }
});

test('the human report notes a saturated proxy under the overhead table, and only there', () => {
  const r = results(3);
  const saturated: BenchResults = { ...r, overhead: r.overhead.map((m) => (m.target === 'portkey' ? { ...m, targetCpuPct: 104 } : m)) };
  const text = humanReport(saturated, figures(saturated));
  const overheadSection = text.slice(0, text.indexOf('Max throughput'));
  assert.match(overheadSection, /note: portkey used 104% of a core at 1,000 req\/s/);
  assert.equal(text.split('note: ').length - 1, 1);
  assert.doesNotMatch(humanReport(r, figures(r)), /note: /);
});
