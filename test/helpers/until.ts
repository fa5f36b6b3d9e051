// Polling for a condition a test cannot await directly (a child's output, a limiter's timer
// turns, a feed's long poll): true in time, or the test fails naming what it waited for.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

export async function until(done: () => boolean | Promise<boolean>, options: { what?: string; timeoutMs?: number; everyMs?: number } = {}): Promise<void> {
  const { what = 'a condition', timeoutMs = 15_000, everyMs = 10 } = options;
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
