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

// Stored spend (router/spend-sync.ts): `asOf` is where the stored figure ends; own calls are
// [cost, ended at] in ms after the day's start. The day's spend is the larger of the router's
// own count and stored + own calls ended since `asOf`.
const reconcileCases: {
  name: string;
  own: [number, number][];
  stored: number | undefined;
  asOf: number;
  later?: [number, number][];
  want: { spent: number; state: string };
}[] = [
  { name: 'a restart: stored spend alone, near the cap', own: [], stored: 9.6, asOf: 5_000, want: { spent: 9.6, state: 'stopped' } },
  { name: 'own calls ended after the horizon add to stored spend', own: [[1, 6_000]], stored: 7, asOf: 5_000, want: { spent: 8, state: 'halved' } },
  { name: 'own calls ended before the horizon are among the stored', own: [[5, 1_000]], stored: 5, asOf: 5_000, want: { spent: 5, state: 'normal' } },
  { name: 'storage behind the router: its own count stands', own: [[9, 1_000]], stored: 2, asOf: 5_000, want: { spent: 9, state: 'halved' } },
  { name: 'nothing stored for the workload', own: [[3, 6_000]], stored: undefined, asOf: 5_000, want: { spent: 3, state: 'normal' } },
  { name: 'calls after the reconcile count once', own: [], stored: 4, asOf: 5_000, later: [[2, 7_000], [2, 8_000]], want: { spent: 8, state: 'halved' } },
];

for (const c of reconcileCases) {
  test(`budget with stored spend: ${c.name}`, () => {
    const budget = new ShadowBudget(new Map([['w', 10]]), () => {});
    for (const [usd, at] of c.own) budget.add('w', usd, day + at);
    budget.reconcile(new Map(c.stored === undefined ? [] : [['w', c.stored]]), day, day + c.asOf, day + 9_000);
    for (const [usd, at] of c.later ?? []) budget.add('w', usd, day + at);
    const now = day + 9_500;
    assert.deepEqual({ spent: Number(budget.spentToday('w', now).toFixed(6)), state: budget.state('w', now) }, c.want);
  });
}

test('a later reconcile takes over the calls the earlier one had to count itself', () => {
  const budget = new ShadowBudget(new Map([['w', 10]]), () => {});
  budget.reconcile(new Map([['w', 1]]), day, day + 1_000, day + 1_000);
  budget.add('w', 2, day + 2_000);
  assert.equal(budget.spentToday('w', day + 2_500), 3);
  // Storage now holds that call too: the next figure includes it, and it is not counted twice.
  budget.reconcile(new Map([['w', 3]]), day, day + 3_000, day + 3_000);
  assert.equal(budget.spentToday('w', day + 3_500), 3);
});

test('stored spend announces the threshold it crosses; another day\'s figure and uncapped workloads are ignored', () => {
  const crossings: BudgetCrossing[] = [];
  const budget = new ShadowBudget(new Map<string, number | undefined>([['w', 10], ['free', undefined]]), (c) => crossings.push(c));
  budget.reconcile(new Map([['w', 50]]), day - 86_400_000, day - 1, day + 10);
  assert.equal(budget.spentToday('w', day + 20), 0, 'yesterday\'s spend does not count today');
  budget.reconcile(new Map([['w', 9.7], ['free', 1e6]]), day, day + 10, day + 20);
  assert.deepEqual(crossings, [{ workload: 'w', state: 'stopped', spentUsd: 9.7, capUsd: 10 }]);
  assert.equal(budget.state('free', day + 30), 'normal');
  assert.equal(budget.state('w', day + 86_400_000), 'normal', 'the next UTC day starts afresh');
});
