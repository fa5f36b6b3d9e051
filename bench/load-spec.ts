// What the benchmark's load processes take on their command line (one JSON argument) and
// print back (one JSON line), plus the percentile arithmetic they share.

export interface RequestSpec {
  /** Full URL of the chat completions endpoint. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface OpenLoopSpec extends RequestSpec {
  /** Requests per second, evenly paced: request i is due at t0 + i / rate. */
  readonly rate: number;
  /** Seconds of load sent first and discarded. */
  readonly warmupS: number;
  /** Seconds of load measured. */
  readonly durationS: number;
  /** Most connections the generator opens. */
  readonly connections: number;
  /** Longest wait for one answer, in ms; later ones count as errors. */
  readonly timeoutMs: number;
}

/** Who drives a closed loop: wrk when installed (bench/wrk.ts), else autocannon. */
export type ClosedLoopGenerator = 'wrk' | 'autocannon';

export interface ClosedLoopSpec extends RequestSpec {
  /** Absent: wrk if it is on PATH, else autocannon. */
  readonly generator?: ClosedLoopGenerator;
  readonly connections: number;
  readonly warmupS: number;
  readonly durationS: number;
}

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface OpenLoopResult {
  readonly kind: 'open';
  /** Measured requests sent / answered 2xx / failed (status, transport or timeout). */
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  readonly errorSamples: readonly string[];
  /** 2xx answers per second over the measured window. */
  readonly achievedRps: number;
  /** Send to last byte, ms, 2xx answers of the measured window. */
  readonly latencyMs: Percentiles;
  /** Send to first body byte, ms. */
  readonly ttfbMs: Percentiles;
  /** How late the generator sent requests against their schedule, ms: its own limit. */
  readonly sendLagMs: Percentiles;
  /** Wall-clock window (epoch ms) of the measured requests, for CPU accounting. */
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** The generator's own CPU over the measured window, % of one core. */
  readonly generatorCpuPct: number;
}

export interface ClosedLoopResult {
  readonly kind: 'closed';
  readonly generator: ClosedLoopGenerator;
  readonly connections: number;
  readonly ok: number;
  readonly errors: number;
  readonly achievedRps: number;
  /** The generator's latency histogram, ms (autocannon: whole-ms resolution; wrk: µs). */
  readonly latencyMs: Percentiles;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly generatorCpuPct: number;
}

/** Nearest-rank percentiles of an unsorted sample (sorted in place). */
export function percentiles(values: Float64Array): Percentiles {
  if (values.length === 0) return { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  values.sort();
  const at = (q: number): number => values[Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1))] as number;
  let sum = 0;
  for (const v of values) sum += v;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: values[values.length - 1] as number, mean: sum / values.length };
}

/** CPU time of this process over a window, % of one core. */
export function cpuPercentSince(start: NodeJS.CpuUsage, wallMs: number): number {
  const used = process.cpuUsage(start);
  return wallMs > 0 ? ((used.user + used.system) / 1000 / wallMs) * 100 : 0;
}
