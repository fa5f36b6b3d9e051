import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hops, messages, parseTcpdumpLine, slowBursts, type Packet } from './packet-hops.ts';

test('tcpdump lines: packets with their ports and payload, everything else dropped', () => {
  const cases: [string, Packet | undefined][] = [
    ['1795326197.058994 IP 127.0.0.1.40000 > 127.0.0.1.5000: tcp 200', { atMs: 1795326197058.994, fromPort: 40000, toPort: 5000, bytes: 200 }],
    ['1795326197.000001 IP 127.0.0.1.5000 > 127.0.0.1.40000: tcp 0', { atMs: 1795326197000.001, fromPort: 5000, toPort: 40000, bytes: 0 }],
    ['1795326197.5 IP6 ::1.41000 > ::1.8080: tcp 12', { atMs: 1795326197500, fromPort: 41000, toPort: 8080, bytes: 12 }],
    ['tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes', undefined],
    ['1795326197.1 IP 127.0.0.1.53 > 127.0.0.1.40000: UDP, length 40', undefined],
    ['', undefined],
  ];
  for (const [line, expected] of cases) {
    const got = parseTcpdumpLine(line);
    if (expected === undefined) assert.equal(got, undefined, line);
    else {
      assert.ok(got !== undefined, line);
      assert.equal(got.fromPort, expected.fromPort, line);
      assert.equal(got.toPort, expected.toPort, line);
      assert.equal(got.bytes, expected.bytes, line);
      assert.ok(Math.abs(got.atMs - expected.atMs) < 1e-3, line);
    }
  }
});

// Client port 50001 → proxy 8080 → upstream 9000 from the proxy's port 60001.
const proxy = 8080;
const upstream = 9000;
const packet = (atMs: number, fromPort: number, toPort: number, bytes = 100): Packet => ({ atMs, fromPort, toPort, bytes });

/** One request through the proxy starting at t, on client port c and upstream-side port u. */
function exchange(t: number, c: number, u: number, { inMs = 0.1, upMs = 0.05, outMs = 0.06 } = {}): Packet[] {
  return [
    packet(t, c, proxy),
    packet(t + 0.01, c, proxy), // the body, in a second packet
    packet(t + 0.011, proxy, c, 0), // an ACK: no payload
    packet(t + 0.01 + inMs, u, upstream),
    packet(t + 0.01 + inMs + upMs, upstream, u),
    packet(t + 0.01 + inMs + upMs + outMs, proxy, c),
  ];
}

test('hops: each leg of an isolated request, and the proxy time of every request', () => {
  const packets = [...exchange(0, 50001, 60001), ...exchange(1, 50002, 60002, { inMs: 0.2 }), ...exchange(2, 50001, 60001, { inMs: 0.3 })];
  const ordered = messages(packets, proxy, upstream);
  assert.equal(ordered.length, 12, 'the two request packets are one message, the ACK none');
  const h = hops(ordered);
  assert.equal(h.requests, 3);
  assert.equal(h.isolated, 3);
  assert.ok(Math.abs(h.inMs.p50 - 0.2) < 1e-9);
  assert.ok(Math.abs(h.inMs.max - 0.3) < 1e-9);
  assert.ok(Math.abs(h.upstreamMs.p50 - 0.05) < 1e-9);
  assert.ok(Math.abs(h.outMs.p50 - 0.06) < 1e-9);
  assert.ok(Math.abs(h.proxyMs.p50 - (0.01 + 0.2 + 0.05 + 0.06)) < 1e-9);
});

test('hops: overlapping requests count in the proxy time, not as isolated', () => {
  // The second request arrives while the first waits on the upstream.
  const packets = [...exchange(0, 50001, 60001, { upMs: 1 }), ...exchange(0.5, 50002, 60002), ...exchange(5, 50003, 60003)];
  const h = hops(messages(packets, proxy, upstream));
  assert.equal(h.requests, 3);
  assert.equal(h.isolated, 1);
});

test('slow bursts: requests held past the threshold, grouped when they start close together', () => {
  const slow = { upMs: 5 };
  const packets = [
    ...exchange(0, 50001, 60001),
    ...exchange(10, 50002, 60002, slow),
    ...exchange(12, 50003, 60003, slow),
    ...exchange(14, 50004, 60004, { upMs: 8 }),
    ...exchange(100, 50005, 60005, slow),
    ...exchange(200, 50006, 60006),
  ];
  const bursts = slowBursts(messages(packets, proxy, upstream), 2, 20);
  assert.deepEqual(
    bursts.map((b) => [b.startMs, b.requests]),
    [
      [10, 3],
      [100, 1],
    ],
  );
  assert.ok(Math.abs((bursts[0]?.maxMs ?? 0) - (0.01 + 0.1 + 8 + 0.06)) < 1e-9);
});
