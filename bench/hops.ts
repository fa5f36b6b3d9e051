// `npm run bench:hops`: the overhead scenario (open loop, upstream answering at once) through
// the bare proxy and warmpath, rounds interleaved, with loopback packets captured by
// tcpdump; prints where each proxy's latency goes: the proxy's hold time over all requests,
// its legs on the isolated ones, and the bursts of slow requests (a p99 is spent in bursts).
// Needs tcpdump and the right to capture on `lo` (root, or CAP_NET_RAW).
//
//   npm run bench:hops -- [--rounds 3] [--seconds 8] [--rate 1000] [--threshold-ms 2] [--keep DIR]

import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { OpenLoopResult } from './load-spec.ts';
import { median, requestFor, runLoad } from './measure.ts';
import { hops, messages, parseTcpdumpLine, slowBursts, type Hops, type Packet } from './packet-hops.ts';
import { ProcessGroup } from './processes.ts';
import { startBareProxy, startUpstream, startWarmpath, type Target } from './targets.ts';

interface Round {
  readonly client: OpenLoopResult;
  readonly hops: Hops;
  readonly bursts: number;
  readonly burstRequests: number;
  readonly longestBurstMs: number;
}

async function capture(file: string, ports: readonly number[], run: () => Promise<OpenLoopResult>): Promise<OpenLoopResult> {
  const out = openSync(file, 'w');
  const filter = `(${ports.map((p) => `tcp port ${p}`).join(' or ')}) and (tcp[tcpflags] & tcp-push != 0)`;
  const dump = spawn('tcpdump', ['-i', 'lo', '-n', '-tt', '-q', '-l', filter], { stdio: ['ignore', out, 'pipe'] });
  const errors = dump.stderr;
  if (errors === null) throw new Error('tcpdump was spawned without a stderr pipe');
  let stderr = '';
  errors.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const failed = new Promise<never>((_, reject) => {
    dump.once('error', (err) => reject(new Error(`tcpdump could not start (${err.message}): apt-get install tcpdump`)));
    dump.once('exit', (code) => reject(new Error(`tcpdump exited (${code}): ${stderr.trim()}`)));
  });
  // Only the wait for the capture to open races on it; a later rejection is nobody's to handle.
  failed.catch(() => undefined);
  // tcpdump says "listening on lo" once its capture is open.
  await Promise.race([failed, new Promise<void>((ready) => errors.on('data', () => (stderr.includes('listening on') ? ready() : undefined)))]);
  try {
    return await run();
  } finally {
    dump.removeAllListeners('exit');
    const exited = new Promise((done) => dump.once('exit', done));
    dump.kill('SIGINT');
    await exited;
    closeSync(out);
  }
}

function packetsOf(file: string): Packet[] {
  const packets: Packet[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const p = parseTcpdumpLine(line);
    if (p !== undefined) packets.push(p);
  }
  return packets;
}

const us = (ms: number): string => `${Math.round(ms * 1000)}`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '8' },
      rate: { type: 'string', default: '1000' },
      'threshold-ms': { type: 'string', default: '2' },
      keep: { type: 'string' },
    },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const thresholdMs = Number(values['threshold-ms']);
  const group = new ProcessGroup();
  const work = mkdtempSync(join(tmpdir(), 'warmpath-hops-'));
  const captures = values.keep === undefined ? work : resolve(values.keep);
  mkdirSync(captures, { recursive: true });
  try {
    const upstream = await startUpstream(group, 'upstream', 0, 0);
    const upstreamPort = Number(new URL(upstream.origin).port);
    const targets: Target[] = [
      await startBareProxy(group, upstream),
      await startWarmpath(group, { name: 'warmpath', dataDir: join(work, 'data'), configDir: work, workloads: { bench: upstream }, secondaries: [], shadowSampleRate: 0 }, 'bench'),
    ];
    for (const target of targets) await runLoad(group, target, { ...requestFor(target, false), rate, warmupS: 5, durationS: 0.5, connections: 256, timeoutMs: 10_000 });
    const rounds = new Map<string, Round[]>(targets.map((t) => [t.name, []]));
    for (let round = 1; round <= Number(values.rounds); round++) {
      for (const target of targets) {
        const proxyPort = Number(new URL(target.url).port);
        const file = join(captures, `${target.name.replace(/\W+/g, '-')}-${round}.txt`);
        const client = await capture(file, [proxyPort, upstreamPort], async () =>
          (await runLoad(group, target, { ...requestFor(target, false), rate, warmupS: 2, durationS: seconds, connections: 256, timeoutMs: 10_000 })) as OpenLoopResult,
        );
        // The capture holds the warm-up too: keep the measured window only.
        const inWindow = packetsOf(file).filter((p) => p.atMs >= client.windowStartMs && p.atMs <= client.windowEndMs);
        const ordered = messages(inWindow, proxyPort, upstreamPort);
        const bursts = slowBursts(ordered, thresholdMs, 20);
        const r: Round = {
          client,
          hops: hops(ordered),
          bursts: bursts.length,
          burstRequests: bursts.reduce((n, b) => n + b.requests, 0),
          longestBurstMs: Math.max(0, ...bursts.map((b) => b.endMs - b.startMs)),
        };
        rounds.get(target.name)?.push(r);
        process.stdout.write(
          `${target.name} round ${round}: client p50 ${r.client.latencyMs.p50.toFixed(3)} ms p99 ${r.client.latencyMs.p99.toFixed(2)} ms; ` +
            `proxy hold p50 ${us(r.hops.proxyMs.p50)} µs p99 ${r.hops.proxyMs.p99.toFixed(2)} ms; isolated ${r.hops.isolated}: ` +
            `in ${us(r.hops.inMs.p50)} µs, upstream ${us(r.hops.upstreamMs.p50)} µs, out ${us(r.hops.outMs.p50)} µs; ` +
            `${r.burstRequests} requests ≥ ${thresholdMs} ms in ${r.bursts} bursts\n`,
        );
      }
    }
    process.stdout.write(`\nMedians over the rounds (µs unless said; "isolated" legs are p50s of requests with nothing else in flight)\n`);
    process.stdout.write('target      client p50  client p99 ms  proxy hold p50  proxy hold p99 ms  in p50  upstream p50  out p50  slow requests  bursts\n');
    for (const [name, rs] of rounds) {
      const m = (f: (r: Round) => number): number => median(rs.map(f));
      process.stdout.write(
        `${name.padEnd(10)}  ${us(m((r) => r.client.latencyMs.p50)).padStart(10)}  ${m((r) => r.client.latencyMs.p99).toFixed(2).padStart(13)}  ` +
          `${us(m((r) => r.hops.proxyMs.p50)).padStart(14)}  ${m((r) => r.hops.proxyMs.p99).toFixed(2).padStart(17)}  ${us(m((r) => r.hops.inMs.p50)).padStart(6)}  ` +
          `${us(m((r) => r.hops.upstreamMs.p50)).padStart(12)}  ${us(m((r) => r.hops.outMs.p50)).padStart(7)}  ${String(m((r) => r.burstRequests)).padStart(13)}  ${String(m((r) => r.bursts)).padStart(6)}\n`,
      );
    }
    if (values.keep !== undefined) process.stdout.write(`\ncaptures kept in ${captures}\n`);
  } finally {
    await group.stopAll();
    group.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
