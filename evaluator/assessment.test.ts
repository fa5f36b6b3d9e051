import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Certification } from '../core/policy.ts';
import type { ParityConfig } from '../schemas/index.ts';
import { assess, type RouteWindow } from './assessment.ts';
import { nextState, type RouteState } from './hysteresis.ts';

const parity: ParityConfig = {
  window_ms: 3_600_000,
  min_samples: 50,
  warm_within_ms: 600_000,
  min_pass_rate: 0.9,
  enter_after: 3,
  min_similarity: 0.6,
  length_ratio: { min: 0.5, max: 2 },
  latency_ratio_max: 3,
  ttft_ratio_max: 3,
  max_error_rate: 0.05,
  hard_failure_limits: { json_keys: 0.02, refusal: 0.02 },
};
const certified: Certification = { certified: true, refusals: [] };
const healthyWindow: RouteWindow = {
  shadowCalls: 200, shadowErrors: 2, pairs: 198, passes: 196, failuresByCheck: { semantic: 2 },
  newestPairAgeMs: 5_000, similaritySource: 'lexical', similarityMean: 0.9, semanticWorse: { worse: false, detail: '' }, noiseFloor: 0.8,
};

const cases: { name: string; window?: Partial<RouteWindow>; cert?: typeof certified; eligible: boolean; reasons: RegExp[] }[] = [
  { name: 'warm, passing and healthy: eligible', eligible: true, reasons: [] },
  { name: 'not certified', cert: { certified: false, refusals: ['retention 90d > max 30d'] }, eligible: false, reasons: [/^not certified: retention 90d > max 30d$/] },
  { name: 'too few samples: cold, and too few to prove parity', window: { pairs: 12, passes: 12, failuresByCheck: {} }, eligible: false, reasons: [/^cold: 12 samples in 1h < 50$/, /^parity: pass rate 100\.0%, lower bound 75\.7% < 90\.0%$/] },
  { name: 'newest sample too old: cold', window: { newestPairAgeMs: 14 * 60_000 }, eligible: false, reasons: [/^cold: newest sample 14m old > 10m$/] },
  { name: 'no samples at all', window: { pairs: 0, passes: 0, newestPairAgeMs: undefined, failuresByCheck: {} }, eligible: false, reasons: [/^cold: 0 samples/, /^parity: no scored pairs$/] },
  { name: 'pass rate lower bound below the minimum', window: { passes: 175, failuresByCheck: { latency: 15, semantic: 8 } }, eligible: false, reasons: [/^parity: pass rate 88\.4%, lower bound 83\.\d% < 90\.0% \(failing: latency 15, semantic 8\)$/] },
  { name: 'a hard check over its own limit fails even with a good pass rate', window: { passes: 194, failuresByCheck: { json_keys: 5 } }, eligible: false, reasons: [/^parity: json_keys failures 2\.5% > limit 2\.0%$/] },
  { name: 'semantically worse than the primary\'s noise', window: { semanticWorse: { worse: true, detail: 'mean 0.70 vs twins 0.90' } }, eligible: false, reasons: [/^parity: semantic mean 0\.70 vs twins 0\.90$/] },
  { name: 'shadow error rate over the limit', window: { shadowErrors: 20 }, eligible: false, reasons: [/^unhealthy: shadow error rate 10\.0% > 5\.0%$/] },
];

for (const c of cases) {
  test(`assess: ${c.name}`, () => {
    const a = assess(c.cert ?? certified, { ...healthyWindow, ...c.window }, parity);
    assert.equal(a.eligible, c.eligible, a.reasons.join('; '));
    assert.equal(a.reasons.length, c.reasons.length, a.reasons.join('; '));
    c.reasons.forEach((r, i) => assert.match(a.reasons[i] as string, r));
  });
}

test('hysteresis: cold → warm → eligible after enter_after passes; drift → out at once; recovery only after enter_after again', () => {
  const sequence: { passing: boolean; want: boolean; changed: boolean }[] = [
    { passing: false, want: false, changed: false }, // cold
    { passing: true, want: false, changed: false },
    { passing: true, want: false, changed: false },
    { passing: true, want: true, changed: true }, // third consecutive pass
    { passing: true, want: true, changed: false },
    { passing: false, want: false, changed: true }, // drift: leaves at once
    { passing: true, want: false, changed: false },
    { passing: false, want: false, changed: false }, // streak broken
    { passing: true, want: false, changed: false },
    { passing: true, want: false, changed: false },
    { passing: true, want: true, changed: true },
  ];
  let state: RouteState | undefined;
  sequence.forEach((step, i) => {
    const t = nextState(state, step.passing, 3, 1000 * i);
    assert.equal(t.state.eligible, step.want, `step ${i}`);
    assert.equal(t.changed, step.changed, `step ${i}`);
    if (t.changed) assert.equal(t.state.since, 1000 * i);
    state = t.state;
  });
});
