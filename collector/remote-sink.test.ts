// The router's remote sink against a scripted collector endpoint: retries with backoff
// until the collector answers, bounded memory, drops and refusals counted.

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createRemoteSink } from './remote-sink.ts';
import { syntheticRecord } from './synthetic.ts';
import type { CollectorMetrics } from './metrics.ts';

type Handler = (lines: string[], req: IncomingMessage, res: ServerResponse) => void;

async function collectorServer(handler: Handler) {
  const bodies: string[][] = [];
  const server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const lines = text.split('\n').filter((l) => l !== '');
    bodies.push(lines);
    handler(lines, req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, close: () => new Promise((r) => server.close(r)) };
}

const accept: Handler = (lines, _req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: lines.length, rejected: 0, errors: [] }));

function countingMetrics() {
  const dropped: Record<string, number> = {};
  let sent = 0;
  const metrics: CollectorMetrics = {
    accepted: () => {}, rejected: () => {}, inserted: () => {}, insertFailed: () => {}, spooled: () => {}, replayed: () => {},
    dropped: (n, reason) => void (dropped[reason] = (dropped[reason] ?? 0) + n),
    sent: (n) => void (sent += n),
  };
  return { metrics, dropped, sent: () => sent };
}
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

test('batches records as NDJSON with the admin token', async () => {
  const server = await collectorServer((lines, req, res) => {
    assert.equal(req.headers.authorization, 'Bearer tok-0123456789abcdef');
    assert.equal(req.headers['content-type'], 'application/x-ndjson');
    accept(lines, req, res);
  });
  const m = countingMetrics();
  const sink = createRemoteSink(`${server.url}/`, { adminToken: 'tok-0123456789abcdef', maxBatchRows: 10, maxDelayMs: 5, metrics: m.metrics, logger: quiet });
  for (let i = 0; i < 25; i += 1) sink.write(syntheticRecord(i));
  await sink.flush();
  assert.deepEqual(server.bodies.map((b) => b.length), [10, 10, 5]);
  assert.equal(JSON.parse(server.bodies[0]?.[0] as string).record_id, syntheticRecord(0).record_id);
  assert.equal(m.sent(), 25);
  await sink.close();
  await server.close();
});

test('retries with backoff while the collector is down or failing, then delivers everything once', async () => {
  let failuresLeft = 3;
  const server = await collectorServer((lines, req, res) => {
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      res.writeHead(503).end('{"error":{"code":"COL_QUEUE_FULL"}}');
      return;
    }
    accept(lines, req, res);
  });
  const m = countingMetrics();
  const sink = createRemoteSink(server.url, { maxBatchRows: 50, maxDelayMs: 5, retryInitialMs: 5, retryMaxMs: 20, metrics: m.metrics, logger: quiet });
  for (let i = 0; i < 120; i += 1) sink.write(syntheticRecord(i));
  await new Promise((r) => setTimeout(r, 300));
  await sink.flush();
  const delivered = server.bodies.slice(3).flat().map((l) => JSON.parse(l).record_id);
  assert.equal(delivered.length, 120);
  assert.equal(new Set(delivered).size, 120);
  assert.deepEqual(m.dropped, {});
  await sink.close();
  await server.close();
});

test('bounded queue: what does not fit is dropped and counted; refused lines are counted', async () => {
  const server = await collectorServer((lines, _req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: lines.length - 1, rejected: 1, errors: [{ line: 1, reason: 'bad' }] })),
  );
  const m = countingMetrics();
  const sink = createRemoteSink(server.url, { maxQueueRows: 20, maxBatchRows: 100, maxDelayMs: 5, metrics: m.metrics, logger: quiet });
  for (let i = 0; i < 30; i += 1) sink.write(syntheticRecord(i));
  await sink.flush();
  assert.deepEqual(m.dropped, { remote_queue_full: 10, remote_rejected: 1 });
  assert.equal(m.sent(), 19);
  await sink.close();
  await server.close();
});

test('413: the batch is halved until it fits', async () => {
  const server = await collectorServer((lines, req, res) => (lines.length > 4 ? res.writeHead(413).end() : accept(lines, req, res)));
  const m = countingMetrics();
  const sink = createRemoteSink(server.url, { maxBatchRows: 16, maxDelayMs: 5, metrics: m.metrics, logger: quiet });
  for (let i = 0; i < 16; i += 1) sink.write(syntheticRecord(i));
  await sink.flush();
  assert.equal(m.sent(), 16);
  assert.deepEqual(m.dropped, {});
  await sink.close();
  await server.close();
});

test('close gives up after its grace period and counts what was left', async () => {
  const m = countingMetrics();
  const sink = createRemoteSink('http://127.0.0.1:9', { maxDelayMs: 5, retryInitialMs: 5, metrics: m.metrics, logger: quiet });
  for (let i = 0; i < 5; i += 1) sink.write(syntheticRecord(i));
  await sink.close(100);
  assert.deepEqual(m.dropped, { remote_shut_down: 5 });
  sink.write(syntheticRecord(6));
  assert.deepEqual(m.dropped, { remote_shut_down: 6 });
});
