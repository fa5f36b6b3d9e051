import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wilsonLowerBound } from './wilson.ts';

const cases = [
  { passes: 0, n: 0, want: 0 },
  { passes: 50, n: 50, want: 0.9287 },
  { passes: 95, n: 100, want: 0.8882 },
  { passes: 990, n: 1000, want: 0.9817 },
  { passes: 0, n: 10, want: 0 },
  { passes: 5, n: 10, want: 0.2366 },
];
for (const c of cases) {
  test(`wilson lower bound ${c.passes}/${c.n}`, () => {
    assert.ok(Math.abs(wilsonLowerBound(c.passes, c.n) - c.want) < 1e-3, String(wilsonLowerBound(c.passes, c.n)));
  });
}
