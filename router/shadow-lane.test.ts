import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { laneSettings, ShadowLane, sharedHeartbeatMs, type LaneHandlers } from './shadow-lane.ts';

describe('laneSettings', () => {
  const cases = [
    { name: 'defaults (4 in flight, 2/s): one call per job', limits: { maxConcurrency: 4, maxRps: 2 }, batchMax: 1, reservoir: 2, refreshMs: 1000 },
    { name: 'bench limits (512, 5000/s): capped at 32', limits: { maxConcurrency: 512, maxRps: 5000 }, batchMax: 32, reservoir: 5000, refreshMs: 1000 },
    { name: 'a quarter of max_concurrency', limits: { maxConcurrency: 40, maxRps: 1000 }, batchMax: 10, reservoir: 1000, refreshMs: 1000 },
    { name: 'never more than one refill', limits: { maxConcurrency: 100, maxRps: 6 }, batchMax: 6, reservoir: 6, refreshMs: 1000 },
    { name: 'under 1/s: one call per refill, refilled every 1/max_rps', limits: { maxConcurrency: 8, maxRps: 0.5 }, batchMax: 1, reservoir: 1, refreshMs: 2000 },
    { name: 'fractional rate averages out', limits: { maxConcurrency: 8, maxRps: 2.5 }, batchMax: 2, reservoir: 2, refreshMs: 800 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const s = laneSettings({ ...c.limits, queueSize: 100 });
      assert.equal(s.batchMax, c.batchMax);
      assert.equal(s.limiter.maxConcurrent, c.limits.maxConcurrency);
      assert.equal(s.limiter.reservoir, c.reservoir);
      assert.equal(s.limiter.reservoirRefreshAmount, c.reservoir);
      assert.equal(s.limiter.reservoirRefreshInterval, c.refreshMs);
    });
  }
});

describe('sharedHeartbeatMs: a shared reservoir refills on the heartbeat, four beats per refill', () => {
  const lane = (maxRps: number) => laneSettings({ maxConcurrency: 8, maxRps, queueSize: 1 }).limiter;
  const cases = [
    { name: 'refill every second (2/s): 250 ms', limiter: lane(2), want: 250 },
    { name: 'refill every 800 ms (2.5/s): 200 ms', limiter: lane(2.5), want: 200 },
    { name: 'refill every 10 s (0.1/s): at most 1 s', limiter: lane(0.1), want: 1000 },
    { name: 'refill every 300 ms: at least 100 ms', limiter: { reservoirRefreshInterval: 300 }, want: 100 },
  ];
  for (const c of cases) test(c.name, () => assert.equal(sharedHeartbeatMs(c.limiter), c.want));
});

function handlers() {
  const seen = { droppedAtStop: 0, unavailable: 0, failures: [] as unknown[] };
  const h: LaneHandlers = { droppedAtStop: (n) => void (seen.droppedAtStop += n), failed: (err) => void seen.failures.push(err), unavailable: (n) => void (seen.unavailable += n) };
  return { seen, h };
}

/** Polls until `done()` (the limiter starts calls after a few timer turns, later under load). */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done() && waited < 5000; waited += 5) await sleep(5);
  assert.ok(done(), 'timed out waiting');
}

/** Calls that take `ms`, counting how many run at once and when each started. */
function probe(ms: number) {
  const p = { inFlight: 0, maxInFlight: 0, starts: [] as number[], done: 0 };
  const t0 = performance.now();
  const call = async () => {
    p.starts.push(performance.now() - t0);
    p.inFlight += 1;
    p.maxInFlight = Math.max(p.maxInFlight, p.inFlight);
    await sleep(ms);
    p.inFlight -= 1;
    p.done += 1;
  };
  return { p, call };
}

describe('ShadowLane', () => {
  test('calls offered within the window start together, one window later', async () => {
    const { h } = handlers();
    const windowMs = 400;
    const lane = new ShadowLane({ maxConcurrency: 40, maxRps: 1000, queueSize: 100 }, h, { windowMs });
    const { p, call } = probe(5);
    for (let i = 0; i < 7; i += 1) assert.equal(lane.offer(call), true);
    await sleep(50);
    assert.equal(p.starts.length, 0, 'waiting for more calls to join');
    await until(() => p.starts.length === 7);
    assert.ok(Math.min(...p.starts) >= windowMs - 5, `started at ${Math.min(...p.starts).toFixed(0)} ms, one window after the offers`);
    await until(() => p.starts.length === 7);
    assert.equal(lane.jobsSubmitted, 1, 'one limiter job for the seven calls');
    await lane.idle();
  });

  test('a full batch goes at once, without waiting for the window', async () => {
    const { h } = handlers();
    const lane = new ShadowLane({ maxConcurrency: 16, maxRps: 1000, queueSize: 100 }, h, { windowMs: 60_000 });
    const { p, call } = probe(1);
    for (let i = 0; i < 4; i += 1) lane.offer(call); // batchMax is 4
    await until(() => p.starts.length === 4);
    assert.equal(lane.jobsSubmitted, 1);
    await lane.idle();
  });

  test('max_concurrency counts calls, not batches', async () => {
    const { h } = handlers();
    const lane = new ShadowLane({ maxConcurrency: 4, maxRps: 1000, queueSize: 100 }, h);
    const { p, call } = probe(20);
    for (let i = 0; i < 20; i += 1) lane.offer(call);
    await lane.idle();
    assert.equal(p.done, 20);
    assert.equal(p.maxInFlight, 4);
    assert.equal(lane.jobsSubmitted, 20, 'a quarter of 4 is one call per job');
  });

  test('max_rps: no more calls start in a second than the rate allows', async () => {
    const { h } = handlers();
    const lane = new ShadowLane({ maxConcurrency: 100, maxRps: 10, queueSize: 100 }, h);
    const { p, call } = probe(1);
    for (let i = 0; i < 15; i += 1) lane.offer(call);
    await lane.idle();
    assert.equal(p.done, 15);
    const firstSecond = p.starts.filter((t) => t < 950).length;
    assert.ok(firstSecond <= 10, `${firstSecond} calls started in the first second`);
    assert.ok(Math.max(...p.starts) >= 950, `the rest waited for the refill (last start ${Math.max(...p.starts).toFixed(0)} ms)`);
  });

  test('queue_size bounds the calls not started yet; the rest are refused', async () => {
    const { h } = handlers();
    const lane = new ShadowLane({ maxConcurrency: 1, maxRps: 1000, queueSize: 3 }, h);
    const { p, call } = probe(200);
    const accepted = Array.from({ length: 6 }, () => lane.offer(call));
    assert.deepEqual(accepted, [true, true, true, false, false, false]);
    await until(() => p.starts.length === 1);
    assert.equal(lane.offer(call), true, 'a started call frees its place in the queue');
    await lane.idle();
    assert.equal(p.done, 4);
  });

  test('stop: running calls finish, calls not started are dropped and counted, later offers refused', async () => {
    const { seen, h } = handlers();
    const lane = new ShadowLane({ maxConcurrency: 1, maxRps: 1000, queueSize: 100 }, h);
    const { p, call } = probe(100);
    for (let i = 0; i < 5; i += 1) lane.offer(call);
    await until(() => p.starts.length === 1);
    await lane.stop();
    assert.equal(p.done, 1);
    assert.equal(seen.droppedAtStop, 4);
    assert.equal(lane.stopped, true);
    assert.equal(lane.offer(call), false);
  });

  test('a call that throws, at once or later, is reported; the others in its batch still run', async () => {
    const { seen, h } = handlers();
    const lane = new ShadowLane({ maxConcurrency: 40, maxRps: 1000, queueSize: 100 }, h);
    const { p, call } = probe(1);
    lane.offer(call);
    lane.offer(async () => {
      throw new Error('boom');
    });
    lane.offer(call);
    // Not async: it throws before it has a promise to reject.
    lane.offer(() => {
      throw new Error('at once');
    });
    lane.offer(call);
    await lane.idle();
    assert.equal(p.done, 3);
    assert.deepEqual(seen.failures.map((e) => (e as Error).message).sort(), ['at once', 'boom']);
    assert.equal(lane.jobsSubmitted, 1, 'all five in one batch');
  });
});
