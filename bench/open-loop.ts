// Fixed-rate open-loop load, run as its own process so it never shares an event loop with
// the target: request i is due at t0 + i / rate whatever the answers do (a slow target
// queues work instead of slowing the generator, as real clients would), latency runs from
// the send to the last byte of the answer. The first `warmupS` seconds are sent and
// discarded. Bounded in count (rate × time) and in time (per-request timeout, then a
// deadline after the last send).
//
//   node dist/bench/open-loop.js '<OpenLoopSpec JSON>'   → one OpenLoopResult JSON line

import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { cpuPercentSince, percentiles, type OpenLoopResult, type OpenLoopSpec } from './load-spec.ts';

export async function runOpenLoop(spec: OpenLoopSpec): Promise<OpenLoopResult> {
  const url = new URL(spec.url);
  const path = url.pathname + url.search;
  const pool = new Pool(url.origin, {
    connections: spec.connections,
    keepAliveTimeout: 60_000,
    headersTimeout: spec.timeoutMs,
    bodyTimeout: spec.timeoutMs,
  });
  const headers = { 'content-type': 'application/json', ...spec.headers };
  const body = Buffer.from(spec.body);
  const interval = 1000 / spec.rate;
  const warmupCount = Math.round(spec.warmupS * spec.rate);
  const measuredCount = Math.round(spec.durationS * spec.rate);
  const total = warmupCount + measuredCount;

  const latency = new Float64Array(measuredCount);
  const ttfb = new Float64Array(measuredCount);
  const lag = new Float64Array(measuredCount);
  let ok = 0;
  let errors = 0;
  let outstanding = 0;
  const errorSamples: string[] = [];
  let firstMeasuredSend = Number.NaN;
  let lastMeasuredSend = Number.NaN;
  let cpuStart: NodeJS.CpuUsage | undefined;
  let windowStartMs = 0;
  let allSent: () => void = () => {};
  let drained: () => void = () => {};
  const sentAll = new Promise<void>((resolve) => (allSent = resolve));
  const drainedAll = new Promise<void>((resolve) => (drained = resolve));

  const fail = (measured: boolean, what: string): void => {
    if (!measured) return;
    errors += 1;
    if (errorSamples.length < 5) errorSamples.push(what);
  };

  const send = async (i: number, due: number): Promise<void> => {
    const measured = i >= warmupCount;
    const m = i - warmupCount;
    const start = performance.now();
    if (measured) {
      lag[m] = start - due;
      if (m === 0) {
        firstMeasuredSend = start;
        windowStartMs = Date.now();
        cpuStart = process.cpuUsage();
      }
      lastMeasuredSend = start;
    }
    outstanding += 1;
    try {
      const response = await pool.request({ path, method: 'POST', headers, body });
      let first = Number.NaN;
      for await (const _chunk of response.body) if (Number.isNaN(first)) first = performance.now();
      const end = performance.now();
      if (response.statusCode < 200 || response.statusCode >= 300) fail(measured, `status ${response.statusCode}`);
      else if (measured) {
        latency[ok] = end - start;
        ttfb[ok] = (Number.isNaN(first) ? end : first) - start;
        ok += 1;
      }
    } catch (err) {
      fail(measured, (err as Error).message);
    } finally {
      outstanding -= 1;
      if (outstanding === 0 && next >= total) drained();
    }
  };

  // Timers fire at ~1 ms granularity: each tick sends every request that is due.
  let next = 0;
  const t0 = performance.now() + 5;
  const tick = (): void => {
    const now = performance.now();
    while (next < total && t0 + next * interval <= now) {
      void send(next, t0 + next * interval);
      next += 1;
    }
    if (next < total) setTimeout(tick, Math.max(0, t0 + next * interval - performance.now()));
    else allSent();
  };
  setTimeout(tick, 5);
  await sentAll;
  const deadline = setTimeout(drained, spec.timeoutMs + 1000);
  await drainedAll;
  clearTimeout(deadline);
  const windowWallMs = performance.now() - firstMeasuredSend;
  const generatorCpuPct = cpuStart === undefined ? 0 : cpuPercentSince(cpuStart, windowWallMs);
  const windowEndMs = Date.now();
  const unanswered = outstanding;
  for (let k = 0; k < unanswered; k++) fail(true, 'no answer before the deadline');
  await pool.destroy();

  const sendSpanS = (lastMeasuredSend - firstMeasuredSend + interval) / 1000;
  return {
    kind: 'open',
    sent: measuredCount,
    ok,
    errors,
    errorSamples,
    achievedRps: ok / sendSpanS,
    latencyMs: percentiles(latency.subarray(0, ok)),
    ttfbMs: percentiles(ttfb.subarray(0, ok)),
    sendLagMs: percentiles(lag),
    windowStartMs,
    windowEndMs,
    generatorCpuPct,
  };
}

if (import.meta.main) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as OpenLoopSpec;
  const result = await runOpenLoop(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
