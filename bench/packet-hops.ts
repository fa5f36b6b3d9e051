// Where a proxy's latency goes, hop by hop, from loopback packet times (`tcpdump -n -tt -q`).
// A request through a proxy is four messages: the client's request in, the proxy's call
// out to the upstream, the upstream's answer in, the proxy's answer out. The kernel's
// packet times split the proxy's share from the client's and the upstream's, which a
// latency measured by the load generator cannot (BENCHMARKS.md, sixth look).

import { percentiles, type Percentiles } from './load-spec.ts';

export interface Packet {
  readonly atMs: number;
  readonly fromPort: number;
  readonly toPort: number;
  /** TCP payload bytes (0 for a bare ACK). */
  readonly bytes: number;
}

/** `1795326197.058994 IP 127.0.0.1.40000 > 127.0.0.1.5000: tcp 200` → a packet; anything else → undefined. */
export function parseTcpdumpLine(line: string): Packet | undefined {
  const m = /^(\d+\.\d+) IP6? [\w.:-]+?\.(\d+) > [\w.:-]+?\.(\d+): tcp (\d+)/.exec(line);
  if (m === null) return undefined;
  return { atMs: Number(m[1]) * 1000, fromPort: Number(m[2]), toPort: Number(m[3]), bytes: Number(m[4]) };
}

export type Leg = 'request in' | 'call out' | 'answer in' | 'reply out';

export interface Message {
  readonly leg: Leg;
  /** The two ports of its TCP connection, lower first. */
  readonly connection: string;
  readonly firstMs: number;
  lastMs: number;
}

function legOf(p: Packet, proxyPort: number, upstreamPort: number): Leg | undefined {
  if (p.toPort === proxyPort) return 'request in';
  if (p.fromPort === proxyPort) return 'reply out';
  if (p.toPort === upstreamPort) return 'call out';
  if (p.fromPort === upstreamPort) return 'answer in';
  return undefined;
}

/**
 * Packets with a payload grouped into messages: consecutive packets one way on one
 * connection are one message (headers and body may travel apart). In time order.
 */
export function messages(packets: Iterable<Packet>, proxyPort: number, upstreamPort: number): Message[] {
  const out: Message[] = [];
  const current = new Map<string, Message>();
  for (const p of packets) {
    if (p.bytes === 0) continue;
    const leg = legOf(p, proxyPort, upstreamPort);
    if (leg === undefined) continue;
    const connection = p.fromPort < p.toPort ? `${p.fromPort}-${p.toPort}` : `${p.toPort}-${p.fromPort}`;
    const open = current.get(connection);
    if (open !== undefined && open.leg === leg) {
      open.lastMs = Math.max(open.lastMs, p.atMs);
      continue;
    }
    const message: Message = { leg, connection, firstMs: p.atMs, lastMs: p.atMs };
    current.set(connection, message);
    out.push(message);
  }
  return out.sort((a, b) => a.firstMs - b.firstMs);
}

export interface Hops {
  /** Requests answered in the capture: first byte of the request in → last byte of the reply out. */
  readonly requests: number;
  readonly proxyMs: Percentiles;
  /** Requests with nothing else in flight, whose four messages follow one another. */
  readonly isolated: number;
  /** Last byte of the request in → first byte of the call out. */
  readonly inMs: Percentiles;
  /** Last byte of the call out → first byte of the answer in. */
  readonly upstreamMs: Percentiles;
  /** Last byte of the answer in → first byte of the reply out. */
  readonly outMs: Percentiles;
}

/** Times the proxy held each request (all requests), and each hop of the isolated ones. */
export function hops(ordered: readonly Message[]): Hops {
  const proxy: number[] = [];
  const waiting = new Map<string, number>();
  for (const m of ordered) {
    if (m.leg === 'request in') waiting.set(m.connection, m.firstMs);
    else if (m.leg === 'reply out') {
      const since = waiting.get(m.connection);
      if (since !== undefined) proxy.push(m.lastMs - since);
      waiting.delete(m.connection);
    }
  }
  // With one request in flight, the other legs in between are its own: attribute them.
  const inbound: number[] = [];
  const upstream: number[] = [];
  const outbound: number[] = [];
  for (let i = 0; i + 3 < ordered.length; i += 1) {
    const [a, b, c, d] = [ordered[i], ordered[i + 1], ordered[i + 2], ordered[i + 3]] as [Message, Message, Message, Message];
    if (a.leg !== 'request in' || b.leg !== 'call out' || c.leg !== 'answer in' || d.leg !== 'reply out') continue;
    if (i > 0 && (ordered[i - 1] as Message).leg !== 'reply out') continue;
    const next = ordered[i + 4];
    if (next !== undefined && next.firstMs < d.lastMs) continue;
    inbound.push(b.firstMs - a.lastMs);
    upstream.push(c.firstMs - b.lastMs);
    outbound.push(d.firstMs - c.lastMs);
  }
  return {
    requests: proxy.length,
    proxyMs: percentiles(Float64Array.from(proxy)),
    isolated: inbound.length,
    inMs: percentiles(Float64Array.from(inbound)),
    upstreamMs: percentiles(Float64Array.from(upstream)),
    outMs: percentiles(Float64Array.from(outbound)),
  };
}

export interface SlowBurst {
  readonly startMs: number;
  readonly endMs: number;
  readonly requests: number;
  readonly maxMs: number;
}

/**
 * Requests the proxy held at least `thresholdMs`, grouped into bursts (less than `gapMs`
 * between two starts): one long stall shows up as one burst of many requests, which is how
 * a p99 is spent.
 */
export function slowBursts(ordered: readonly Message[], thresholdMs: number, gapMs: number): SlowBurst[] {
  const waiting = new Map<string, number>();
  const slow: { startMs: number; ms: number }[] = [];
  for (const m of ordered) {
    if (m.leg === 'request in') waiting.set(m.connection, m.firstMs);
    else if (m.leg === 'reply out') {
      const since = waiting.get(m.connection);
      waiting.delete(m.connection);
      if (since !== undefined && m.lastMs - since >= thresholdMs) slow.push({ startMs: since, ms: m.lastMs - since });
    }
  }
  slow.sort((a, b) => a.startMs - b.startMs);
  const bursts: { startMs: number; endMs: number; requests: number; maxMs: number }[] = [];
  for (const s of slow) {
    const last = bursts.at(-1);
    if (last !== undefined && s.startMs - last.endMs < gapMs) {
      last.endMs = s.startMs;
      last.requests += 1;
      last.maxMs = Math.max(last.maxMs, s.ms);
    } else bursts.push({ startMs: s.startMs, endMs: s.startMs, requests: 1, maxMs: s.ms });
  }
  return bursts;
}
