import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShadowBudget, type BudgetCrossing } from './shadow-budget.ts';

const day = Date.parse('2026-11-21T00:00:00Z');

const cases: { name: string; cap: number | undefined; spend: number[]; want: { state: string; rate: number } }[] = [
  { name: 'no cap: always normal', cap: undefined, spend: [1e6], want: { state: 'normal', rate: 0.2 } },
  { name: 'below 80%: normal', cap: 10, spend: [7.99], want: { state: 'normal', rate: 0.2 } },
  { name: 'at 80%: rate halves', cap: 10, spend: [4, 4], want: { state: 'halved', rate: 0.1 } },
  { name: 'just under 95%: still halved', cap: 10, spend: [9.49], want: { state: 'halved', rate: 0.1 } },
  { name: 'at 95%: stopped', cap: 10, spend: [9.5], want: { state: 'stopped', rate: 0 } },
  { name: 'over the cap: stopped', cap: 10, spend: [12], want: { state: 'stopped', rate: 0 } },
  { name: 'a zero cap stops shadow', cap: 0, spend: [], want: { state: 'stopped', rate: 0 } },
];

for (const c of cases) {
  test(`budget: ${c.name}`, () => {
    const budget = new ShadowBudget(new Map([['w', c.cap]]), () => {});
    for (const s of c.spend) budget.add('w', s, day + 1000);
    assert.deepEqual({ state: budget.state('w', day + 2000), rate: budget.effectiveRate('w', 0.2, day + 2000) }, c.want);
  });
}

test('each threshold is announced once, and the day rolls over at UTC midnight', () => {
  const crossings: BudgetCrossing[] = [];
  const budget = new ShadowBudget(new Map([['w', 1]]), (c) => crossings.push(c));
  budget.add('w', 0.5, day + 10);
  budget.add('w', 0.3, day + 20);
  budget.add('w', 0.01, day + 30);
  budget.add('w', 0.2, day + 40);
  assert.deepEqual(crossings.map((c) => c.state), ['halved', 'stopped']);
  assert.equal(budget.state('w', day + 86_399_999), 'stopped');
  assert.equal(budget.state('w', day + 86_400_000), 'normal', 'a new UTC day starts afresh');
  assert.equal(budget.spentToday('w', day + 86_400_000), 0);
});
