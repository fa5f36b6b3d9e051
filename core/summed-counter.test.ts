import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createSummedCounter } from './summed-counter.ts';
import { createTelemetry } from './telemetry.ts';

test('a summed counter is a *_total series per key on /metrics, labelled by the first add', async () => {
  const telemetry = createTelemetry({ serviceName: 'summed-test' });
  const server = createServer((req, res) => telemetry.serveMetrics(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const counter = createSummedCounter(telemetry.meter, 'warmpath_test_things', { description: 'things' });
    const adds = [
      { key: 'a|ok', attrs: { route: 'a', outcome: 'ok' }, value: 1 },
      { key: 'a|ok', attrs: { route: 'a', outcome: 'ok' }, value: 2 },
      { key: 'b|error', attrs: { route: 'b', outcome: 'error' }, value: 1 },
      { key: 'a|ok', attrs: { route: 'a', outcome: 'ok' }, value: 4 },
    ];
    for (const a of adds) counter.add(a.key, a.attrs, a.value);
    counter.add('b|error', { route: 'b', outcome: 'error' });
    const text = await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`)).text();
    assert.match(text, /# TYPE warmpath_test_things_total counter/);
    assert.match(text, /warmpath_test_things_total\{route="a",outcome="ok"\} 7/);
    assert.match(text, /warmpath_test_things_total\{route="b",outcome="error"\} 2/);
  } finally {
    await new Promise((r) => server.close(r));
    await telemetry.shutdown();
  }
});
