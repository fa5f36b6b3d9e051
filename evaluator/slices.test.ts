import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapInSlices } from './slices.ts';

test('maps every item in order', async () => {
  assert.deepEqual(await mapInSlices([1, 2, 3, 4], (x) => x * 10), [10, 20, 30, 40]);
});

test('lets the event loop run between slices of a long map', async () => {
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 1);
  const busy = (x: number): number => {
    const end = performance.now() + 1;
    while (performance.now() < end);
    return x;
  };
  const out = await mapInSlices(Array.from({ length: 60 }, (_, i) => i), busy, 4);
  clearInterval(timer);
  assert.equal(out.length, 60);
  assert.ok(ticks >= 5, `the interval ran ${ticks} times during a 60 ms map`);
});

test('consecutive short maps share one slice: a chain of them still lets the event loop run', async () => {
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 1);
  const busy = (x: number): number => {
    const end = performance.now() + 1;
    while (performance.now() < end);
    return x;
  };
  // Each map takes 1 ms, under the 4 ms slice: only a budget shared across calls yields.
  for (let i = 0; i < 40; i += 1) await mapInSlices([i], busy, 4);
  clearInterval(timer);
  assert.ok(ticks >= 4, `the interval ran ${ticks} times during a 40 ms chain of maps`);
});
