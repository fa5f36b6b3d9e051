import assert from 'node:assert/strict';
import { test } from 'node:test';
import { whyText } from './routes.ts';

test('whyText: reasons joined by "; ", a label the reason before gave not repeated', () => {
  const cases: ReadonlyArray<readonly [string, readonly string[], string]> = [
    ['none', [], ''],
    ['one', ['no evaluation yet'], 'no evaluation yet'],
    ['different labels', ['cold: 0 samples in 1h < 20', 'parity: no scored pairs'], 'cold: 0 samples in 1h < 20; parity: no scored pairs'],
    [
      'a label repeated',
      ['not certified: retention 90d > max 30d', 'not certified: route logs prompts, which the workload forbids'],
      'not certified: retention 90d > max 30d; route logs prompts, which the workload forbids',
    ],
    ['a label again after another', ['not certified: a', 'cold: b', 'not certified: c'], 'not certified: a; cold: b; not certified: c'],
    ['no label between two with one', ['not certified: a', 'breaker open', 'not certified: b'], 'not certified: a; breaker open; not certified: b'],
  ];
  for (const [name, reasons, want] of cases) assert.equal(whyText(reasons), want, name);
});
