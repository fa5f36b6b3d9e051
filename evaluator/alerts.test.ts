import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { pino } from 'pino';
import { createAlertSender, type EligibilityChange } from './alerts.ts';

const change: EligibilityChange = {
  type: 'eligibility_changed', ts: '2026-11-21T12:00:00.000Z', workload: 'support', route: 'claude',
  eligible: false, reasons: ['parity: json_keys failures 40.0% > limit 2.0%'], pass_rate: 0.6, lower_bound: 0.52, samples: 80,
};

test('the webhook is retried with backoff until it accepts', async () => {
  const bodies: unknown[] = [];
  let calls = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      calls += 1;
      if (calls < 3) {
        res.writeHead(503).end();
        return;
      }
      bodies.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sender = createAlertSender({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, logger: pino({ level: 'silent' }), baseDelayMs: 10 });
  sender.send(change);
  await sender.drain(5000);
  assert.equal(calls, 3);
  assert.deepEqual(bodies, [change]);
  server.close();
});

test('a dead webhook never blocks the caller', async () => {
  const sender = createAlertSender({ url: 'http://127.0.0.1:9/nobody-listens', logger: pino({ level: 'silent' }), baseDelayMs: 5, attempts: 3, maxQueued: 2 });
  const started = performance.now();
  for (let i = 0; i < 100; i++) sender.send(change);
  assert.ok(performance.now() - started < 50, 'send() returns at once');
  await sender.drain(5000);
  sender.stop();
});
