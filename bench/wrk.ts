// wrk as the closed-loop generator when it is installed (`apt-get install wrk`). On a
// 2-core machine the generator shares the cores with the proxy and the upstream; wrk (C)
// needs about 10 µs of CPU per request where autocannon (Node) needs about 16, and the
// difference goes to whatever is measured.
// wrk runs as a child of the benchmark itself, in its ProcessGroup, so the CPU sampler
// accounts it as the generator and not as another process on the machine.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClosedLoopResult, ClosedLoopSpec } from './load-spec.ts';
import type { ProcessGroup } from './processes.ts';
import { reapedChildrenCpuMs } from './proc-stats.ts';

let wrkPath: string | null | undefined;

/** The path of `wrk` on PATH, or undefined (looked up once). */
export function findWrk(): string | undefined {
  if (wrkPath === undefined) {
    try {
      wrkPath = execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
    } catch {
      wrkPath = null;
    }
  }
  return wrkPath ?? undefined;
}

// The request comes from the script's arguments (body file, then "name: value" headers);
// done() prints one JSON line after wrk's own report. Latency is in µs.
const script = `
init = function(args)
  local f = assert(io.open(args[1], "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.method = "POST"
  for i = 2, #args do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    wrk.headers[name] = value
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
`;

interface WrkSummary {
  readonly requests: number;
  readonly durationUs: number;
  readonly connect: number;
  readonly read: number;
  readonly write: number;
  /** Answers that were not 2xx or 3xx. */
  readonly status: number;
  readonly timeout: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * wrk's `-d` takes whole seconds: a plan that asks for 1.5 s would silently get 2, and its
 * report would name a load that never ran.
 */
export function wrkSeconds(seconds: number, what: string): number {
  if (!Number.isInteger(seconds) || seconds < 1) throw new RangeError(`wrk runs whole seconds, at least 1: ${what} is ${seconds} s`);
  return seconds;
}

async function runWrk(group: ProcessGroup, wrk: string, seconds: number, args: (seconds: number) => string[]): Promise<WrkSummary> {
  const child = group.spawn('wrk', wrk, args(seconds));
  let out = '';
  child.process.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  // Killed past its own duration plus a margin, like every load process.
  const timer = setTimeout(() => child.process.kill('SIGKILL'), (seconds + 30) * 1000);
  const code = await child.exited;
  clearTimeout(timer);
  const line = out.split('\n').findLast((l) => l.startsWith('{'));
  if (code !== '0' || line === undefined) throw new Error(`wrk ended with ${code}${line === undefined ? ' and no summary line' : ''}:\n${out}\n${child.output()}`);
  return JSON.parse(line) as WrkSummary;
}

export async function runWrkClosedLoop(group: ProcessGroup, wrk: string, spec: ClosedLoopSpec): Promise<ClosedLoopResult> {
  const dir = mkdtempSync(join(tmpdir(), 'warmpath-wrk-'));
  try {
    const scriptFile = join(dir, 'request.lua');
    const bodyFile = join(dir, 'body.json');
    writeFileSync(scriptFile, script);
    writeFileSync(bodyFile, spec.body);
    const headers = Object.entries({ 'content-type': 'application/json', ...spec.headers }).map(([k, v]) => `${k}: ${v}`);
    // One thread: 50 connections are one event loop's work, and the second core is the targets'.
    const args = (seconds: number): string[] => ['-t1', `-c${spec.connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', scriptFile, spec.url, '--', bodyFile, ...headers];
    const warmupS = spec.warmupS > 0 ? wrkSeconds(spec.warmupS, 'the warm-up') : 0;
    const durationS = wrkSeconds(spec.durationS, 'the measured run');
    if (warmupS > 0) await runWrk(group, wrk, warmupS, args);
    const cpuBefore = reapedChildrenCpuMs();
    const started = Date.now();
    const s = await runWrk(group, wrk, durationS, args);
    const finished = Date.now();
    const ok = s.requests - s.status;
    const seconds = s.durationUs / 1e6;
    return {
      kind: 'closed',
      generator: 'wrk',
      connections: spec.connections,
      ok,
      errors: s.status + s.connect + s.read + s.write + s.timeout,
      achievedRps: seconds > 0 ? ok / seconds : 0,
      latencyMs: { p50: s.p50 / 1000, p90: s.p90 / 1000, p99: s.p99 / 1000, max: s.max / 1000, mean: s.mean / 1000 },
      windowStartMs: started,
      windowEndMs: finished,
      generatorCpuPct: ((reapedChildrenCpuMs() - cpuBefore) / (finished - started)) * 100,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
