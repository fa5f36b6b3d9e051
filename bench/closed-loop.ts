// Closed-loop maximum throughput with autocannon, run as its own process (without a rate,
// so each of `connections` keep-alive connections sends its next request as soon as the
// last answer is in). A warm-up run is made first and discarded. When wrk is installed
// the benchmark drives closed loops with it instead (bench/wrk.ts).
//
//   node dist/bench/closed-loop.js '<ClosedLoopSpec JSON>'   → one ClosedLoopResult JSON line

import autocannon from 'autocannon';
import { cpuPercentSince, type ClosedLoopResult, type ClosedLoopSpec } from './load-spec.ts';

export async function runClosedLoop(spec: ClosedLoopSpec): Promise<ClosedLoopResult> {
  const options = {
    url: spec.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...spec.headers },
    body: spec.body,
    connections: spec.connections,
    timeout: 10,
  };
  if (spec.warmupS > 0) await autocannon({ ...options, duration: spec.warmupS });
  const cpuStart = process.cpuUsage();
  const started = Date.now();
  const result = await autocannon({ ...options, duration: spec.durationS });
  const generatorCpuPct = cpuPercentSince(cpuStart, Date.now() - started);
  const ok = result['2xx'];
  return {
    kind: 'closed',
    generator: 'autocannon',
    connections: spec.connections,
    ok,
    errors: result.errors + result.non2xx,
    achievedRps: ok / result.duration,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.average,
    },
    windowStartMs: new Date(result.start).getTime(),
    windowEndMs: new Date(result.finish).getTime(),
    generatorCpuPct,
  };
}

if (import.meta.main) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as ClosedLoopSpec;
  const result = await runClosedLoop(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
