// CPU per request, thread by thread: the bare proxy and warmpath (`warmpath start` on the
// bench config) one after the other under the same 50-connection closed loop, each
// process's threads read from /proc/PID/task/*/stat around the run. It says where a
// target's CPU goes (event loop, GC helpers, the embedded engine's threads), which the
// throughput ratio alone cannot. With --perf DIR both run with --perf-basic-prof and
// `perf record -e cpu-clock -g` samples each for 6 s of its run (BENCHMARKS.md, fourth look).
// With --rate N the load is the overhead scenario's open loop at N req/s instead: a proxy
// that is not saturated pays per request for every wake-up and every periodic task, which
// the closed loop spreads over many requests (eleventh look). Each line ends with how long
// the main thread waited, runnable, for a core: little wait at ~100% means the proxy is
// bound by its own CPU per request, not by its share of the 2 cores (twenty-eighth look).
//
//   npm run build && node dist/bench/cpu-per-request.js [--rounds 2] [--seconds 8] [--rate 1000] [--perf DIR]

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { requestFor, runLoad } from './measure.ts';
import { runQueueWaitMs, threadCpu, threadCpuSpent } from './proc-stats.ts';
import { ProcessGroup } from './processes.ts';
import { startBareProxy, startUpstream, startWarmpath, type Target } from './targets.ts';

function perfRecord(pid: number, file: string): Promise<void> {
  return new Promise((done) => {
    const perf = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '2000', '-g', '-p', String(pid), '-o', file, '--', 'sleep', '6'], { stdio: 'ignore' });
    perf.once('error', (err) => {
      process.stderr.write(`perf record failed (${err.message}): is perf installed?\n`);
      done();
    });
    perf.once('exit', () => done());
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '2' }, seconds: { type: 'string', default: '8' }, rate: { type: 'string' }, perf: { type: 'string' } },
  });
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  if (rate !== undefined && !(rate > 0)) throw new Error(`--rate: want requests per second above 0, got ${values.rate}`);
  const load = (target: Target, durationS: number) => ({
    ...requestFor(target, false),
    ...(rate === undefined ? { connections: 50 } : { rate, connections: 256, timeoutMs: 10_000 }),
    warmupS: 0,
    durationS,
  });
  const perfDir = values.perf === undefined ? undefined : resolve(values.perf);
  if (perfDir !== undefined) mkdirSync(perfDir, { recursive: true });
  const nodeArgs = perfDir === undefined ? [] : ['--perf-basic-prof'];
  const group = new ProcessGroup();
  const work = mkdtempSync(join(tmpdir(), 'warmpath-cpu-'));
  try {
    const upstream = await startUpstream(group, 'upstream', 0, 0);
    const targets: Target[] = [
      await startBareProxy(group, upstream, nodeArgs),
      await startWarmpath(group, { name: 'warmpath', dataDir: join(work, 'data'), configDir: work, workloads: { bench: upstream }, secondaries: [], shadowSampleRate: 0, nodeArgs }, 'bench'),
    ];
    // A fresh process spends its first seconds compiling: warm both up, unmeasured.
    for (const target of targets) await runLoad(group, target, load(target, 3));
    for (let round = 1; round <= rounds; round++) {
      for (const target of targets) {
        const pid = target.child?.pid as number;
        const perfFile = perfDir === undefined ? undefined : join(perfDir, `${target.name.replace(/\W+/g, '-')}-${round}.data`);
        const before = threadCpu(pid);
        const waitBefore = runQueueWaitMs(pid);
        const started = Date.now();
        const perf = perfFile === undefined ? undefined : perfRecord(pid, perfFile);
        // No warm-up of its own (both were warmed above): CPU and requests cover one window.
        const result = await runLoad(group, target, load(target, seconds));
        await perf;
        const after = threadCpu(pid);
        const waitAfter = runQueueWaitMs(pid);
        const wallMs = Date.now() - started;
        const requests = result.achievedRps * (wallMs / 1000);
        const parts = [...threadCpuSpent(before, after)]
          .map(([name, ms]) => ({ name, ms }))
          .filter((t) => t.ms > 0)
          .sort((a, b) => b.ms - a.ms);
        const total = parts.reduce((n, t) => n + t.ms, 0);
        const describe = (t: { name: string; ms: number }): string => `${t.name} ${((t.ms / wallMs) * 100).toFixed(0)}% ${((t.ms * 1000) / requests).toFixed(0)} µs`;
        const mainWaited = waitBefore === undefined || waitAfter === undefined ? '' : `  main waited for a core ${(((waitAfter - waitBefore) / wallMs) * 100).toFixed(0)}%`;
        process.stdout.write(
          `round ${round} ${target.name.padEnd(10)} ${Math.round(result.achievedRps).toLocaleString('en-US').padStart(7)} req/s (${result.kind === 'open' ? `open loop, p50 ${result.latencyMs.p50.toFixed(2)} ms` : result.generator})  ` +
            `all threads ${((total * 1000) / requests).toFixed(0)} µs/req: ${parts.slice(0, 6).map(describe).join(', ')}${mainWaited}` +
            `${perfFile === undefined ? '' : `  perf: ${perfFile}`}\n`,
        );
      }
    }
    if (perfDir !== undefined) {
      process.stdout.write(`\nread with: perf report -i FILE --no-children --sort comm,dso -n   (samples are 500 µs of CPU each)\n`);
    }
  } finally {
    await group.stopAll();
    group.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`cpu-per-request: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
