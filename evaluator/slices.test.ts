import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapInSlices } from './slices.ts';

/** Keeps the thread busy for 1 ms, as a scoring step would. */
function busy(x: number): number {
  const end = performance.now() + 1;
  while (performance.now() < end);
  return x;
}

/** How many times a 1 ms interval ran while `work` went on. */
async function ticksDuring(work: () => Promise<unknown>): Promise<number> {
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 1);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return ticks;
}

test('maps every item in order', async () => {
  assert.deepEqual(await mapInSlices([1, 2, 3, 4], (x) => x * 10), [10, 20, 30, 40]);
});

test('lets the event loop run between slices of a long map', async () => {
  let out: number[] = [];
  const ticks = await ticksDuring(async () => {
    out = await mapInSlices(Array.from({ length: 60 }, (_, i) => i), busy, 4);
  });
  assert.equal(out.length, 60);
  assert.ok(ticks >= 5, `the interval ran ${ticks} times during a 60 ms map`);
});

test('consecutive short maps share one slice: a chain of them still lets the event loop run', async () => {
  // Each map takes 1 ms, under the 4 ms slice: only a budget shared across calls yields.
  const ticks = await ticksDuring(async () => {
    for (let i = 0; i < 40; i += 1) await mapInSlices([i], busy, 4);
  });
  assert.ok(ticks >= 4, `the interval ran ${ticks} times during a 40 ms chain of maps`);
});
