import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wrkSeconds } from './wrk.ts';

test('wrk durations: whole seconds pass through, anything wrk would round is refused with what it was', () => {
  for (const seconds of [1, 2, 10]) assert.equal(wrkSeconds(seconds, 'the measured run'), seconds);
  const refused: [number, RegExp][] = [
    [1.5, /the measured run is 1\.5 s/],
    [0.5, /the measured run is 0\.5 s/],
    [0, /the measured run is 0 s/],
    [Number.NaN, /the measured run is NaN s/],
  ];
  for (const [seconds, message] of refused) assert.throws(() => wrkSeconds(seconds, 'the measured run'), { name: 'RangeError', message }, String(seconds));
});
