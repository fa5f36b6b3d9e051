import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Random, seededRandom } from '../../core/clock.ts';
import { clearlyWorse, meanSimilarity, noiseBaseline } from './noise.ts';

/** n similarities ~ Normal(mean, sd) clipped to [0, 1], deterministic under the seed. */
function draw(seed: number, n: number, mean: number, sd: number): number[] {
  const rng: Random = seededRandom(seed);
  const out: number[] = [];
  while (out.length < n) {
    // Box–Muller; 1 − u keeps the log finite.
    const r = Math.sqrt(-2 * Math.log(1 - rng()));
    const z = r * Math.cos(2 * Math.PI * rng());
    out.push(Math.min(1, Math.max(0, mean + sd * z)));
  }
  return out;
}

const baselines = [
  { name: 'three values', sims: [0.8, 0.9, 1.0], want: { twins: 3, mean: 0.9, stddev: 0.1, floor: 0.6 } },
  { name: 'identical twins: the spread is at least 0.02', sims: [1, 1, 1, 1], want: { twins: 4, mean: 1, stddev: 0, floor: 0.94 } },
  { name: 'floor never below 0', sims: [0, 0.4, 0.2], want: { twins: 3, mean: 0.2, stddev: 0.2, floor: 0 } },
  { name: 'non-finite values are ignored', sims: [0.5, Number.NaN, 0.5], want: { twins: 2, mean: 0.5, stddev: 0, floor: 0.44 } },
  { name: 'no twins', sims: [], want: { twins: 0, mean: 0, stddev: 0, floor: 0 } },
];

const round = (x: number): number => Math.round(x * 1e9) / 1e9;

for (const c of baselines) {
  test(`noiseBaseline: ${c.name}`, () => {
    const b = noiseBaseline(c.sims);
    assert.deepEqual(
      { twins: b.twins, mean: round(b.mean), stddev: round(b.stddev), floor: round(b.floor) },
      c.want,
    );
  });
}

interface WindowCase {
  readonly name: string;
  readonly twins: readonly number[];
  readonly shadow: readonly number[];
  readonly worse: boolean;
  /** Minimum share of shadow pairs at or above the per-pair floor, when asserted. */
  readonly aboveFloor?: number;
}

const TWINS = draw(1, 300, 0.8, 0.05);

const windows: WindowCase[] = [
  { name: 'as variable as the primary passes', twins: TWINS, shadow: draw(2, 200, 0.8, 0.05), worse: false, aboveFloor: 0.97 },
  { name: 'clearly worse (mean 0.1 lower) fails', twins: TWINS, shadow: draw(3, 200, 0.7, 0.05), worse: true },
  { name: 'a little lower, many pairs: significant but not material', twins: TWINS, shadow: draw(4, 5000, 0.78, 0.05), worse: false, aboveFloor: 0.97 },
  { name: 'noisier with the same mean passes', twins: TWINS, shadow: draw(5, 200, 0.8, 0.07), worse: false },
  { name: 'better than the primary passes', twins: TWINS, shadow: draw(6, 200, 0.9, 0.03), worse: false, aboveFloor: 1 },
  { name: 'identical twins, near-identical shadow passes', twins: Array(50).fill(1), shadow: draw(7, 100, 0.99, 0.005), worse: false, aboveFloor: 1 },
  { name: 'identical twins, materially different shadow fails', twins: Array(50).fill(1), shadow: draw(8, 100, 0.9, 0.02), worse: true },
  { name: 'few pairs that are clearly worse fail', twins: TWINS, shadow: draw(9, 12, 0.6, 0.05), worse: true },
  { name: 'a single shadow pair is too few to judge', twins: TWINS, shadow: [0.1], worse: false },
];
// The same-distribution case must pass whatever the seed: ten of them.
for (let seed = 100; seed < 110; seed++)
  windows.push({ name: `same distribution, seed ${seed}`, twins: draw(seed, 300, 0.75, 0.06), shadow: draw(seed + 1000, 200, 0.75, 0.06), worse: false, aboveFloor: 0.97 });

for (const c of windows) {
  test(`clearlyWorse: ${c.name}`, () => {
    const baseline = noiseBaseline(c.twins);
    const verdict = clearlyWorse(baseline, c.shadow);
    assert.equal(verdict.worse, c.worse, verdict.detail);
    assert.ok(verdict.detail.startsWith(c.worse ? 'clearly worse' : 'not clearly worse') || verdict.detail.startsWith('too few'));
    if (c.aboveFloor !== undefined) {
      const above = c.shadow.filter((s) => s >= baseline.floor).length / c.shadow.length;
      assert.ok(above >= c.aboveFloor, `only ${(above * 100).toFixed(1)}% above floor ${baseline.floor.toFixed(3)}`);
    }
  });
}

test('meanSimilarity: the mean of a window, non-finite values skipped, undefined when empty', () => {
  const cases: ReadonlyArray<readonly [readonly number[], number | undefined]> = [
    [[], undefined],
    [[Number.NaN], undefined],
    [[0.9], 0.9],
    [[0.8, 1], 0.9],
    [[0.8, Number.NaN, 1, Number.POSITIVE_INFINITY], 0.9],
  ];
  for (const [similarities, expected] of cases) {
    const mean = meanSimilarity(similarities);
    if (expected === undefined) assert.equal(mean, undefined, JSON.stringify(similarities));
    else assert.ok(mean !== undefined && Math.abs(mean - expected) < 1e-12, `${JSON.stringify(similarities)}: ${mean}`);
  }
});
