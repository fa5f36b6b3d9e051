// Two builds of warmpath under the same load at the same time, to tell whether a change
// made the router faster:
//
//   npm run build && node dist/bench/duo.js --against REF [--rounds 6] [--seconds 8] [--node-args="--flag …"]
//
// --node-args starts this tree's side with those Node flags: against HEAD, it prices a flag.
//
// On this VM one build's max throughput moves ±25% from one minute to the next, so runs
// one after the other cannot resolve a change of a few percent. Here both builds run at
// once, each `warmpath start` on the bench config with its own data folder and its own
// 50-connection closed loop against one shared mock upstream, so both see the same
// machine; the figure is the ratio of their requests per second. The side started first
// has a small edge (A/A gives 0.91–0.97), so every comparison runs in both orientations
// and the estimate is the geometric mean of (B/A with this build as B) and (A/B with this
// build as A). REF is checked out into a temporary git worktree and run from source.
//
// Both sides share 2 cores, and the kernel shares CPU among threads, not processes: a
// build that adds a busy thread also takes more of the machine from the other side (ninth
// look: the likely reason the eighth look's worker thread won its duo). So each round
// also prints each side's process CPU and its requests per CPU-second; the efficiency
// estimate is built from those the same way. A change that moves work to another thread
// is worth what a one-build run shows (`npm run bench`), not what duo's req/s show.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClosedLoopResult } from './load-spec.ts';
import { requestFor, runLoad } from './measure.ts';
import { cpuTimeMs } from './proc-stats.ts';
import { ProcessGroup } from './processes.ts';
import { repoRoot, startUpstream, startWarmpath, type Upstream, type WarmpathTarget } from './targets.ts';

interface Side {
  readonly label: string;
  readonly root: string;
  readonly nodeArgs: readonly string[];
}

const connections = 50;

function load(group: ProcessGroup, target: WarmpathTarget, seconds: number): Promise<ClosedLoopResult> {
  return runLoad(group, target, { ...requestFor(target, false), connections, warmupS: 0, durationS: seconds });
}

interface Ratios {
  /** B/A of requests per second. */
  readonly rps: number;
  /** B/A of requests per CPU-second of the warmpath process (all its threads). */
  readonly perCpu: number;
}

/** Requests per second and CPU of one side over one round. */
async function measured(group: ProcessGroup, target: WarmpathTarget, seconds: number): Promise<{ rps: number; cpuPerS: number }> {
  const pid = target.child.pid as number;
  const before = cpuTimeMs(pid) ?? 0;
  const started = performance.now();
  const result = await load(group, target, seconds);
  const cpuPerS = ((cpuTimeMs(pid) ?? before) - before) / (performance.now() - started);
  return { rps: result.achievedRps, cpuPerS };
}

/** Rounds of both sides loaded at once; returns B/A per round. */
async function orientation(group: ProcessGroup, upstream: Upstream, work: string, a: Side, b: Side, rounds: number, seconds: number): Promise<Ratios[]> {
  const start = (side: Side, name: string) =>
    startWarmpath(group, { name, root: side.root, nodeArgs: side.nodeArgs, dataDir: join(work, name, 'data'), configDir: join(work, name), workloads: { bench: upstream }, secondaries: [], shadowSampleRate: 0 }, 'bench');
  const targetA = await start(a, `A-${a.label}`);
  const targetB = await start(b, `B-${b.label}`);
  try {
    await Promise.all([load(group, targetA, 10), load(group, targetB, 10)]);
    const ratios: Ratios[] = [];
    const side = (label: string, m: { rps: number; cpuPerS: number }): string => `${label} ${Math.round(m.rps)} req/s at ${(m.cpuPerS * 100).toFixed(0)}% CPU`;
    for (let round = 1; round <= rounds; round += 1) {
      const [ma, mb] = await Promise.all([measured(group, targetA, seconds), measured(group, targetB, seconds)]);
      const ratio = { rps: mb.rps / ma.rps, perCpu: mb.rps / mb.cpuPerS / (ma.rps / ma.cpuPerS) };
      ratios.push(ratio);
      process.stdout.write(`  round ${round}: A ${side(a.label, ma)}, B ${side(b.label, mb)}; B/A ${ratio.rps.toFixed(3)}, per CPU-second ${ratio.perCpu.toFixed(3)}\n`);
    }
    return ratios;
  } finally {
    await Promise.all([group.stop(targetA.child), group.stop(targetB.child)]);
  }
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { against: { type: 'string' }, 'node-args': { type: 'string', default: '' }, rounds: { type: 'string', default: '6' }, seconds: { type: 'string', default: '8' } } });
  if (values.against === undefined) throw new Error('usage: node dist/bench/duo.js --against REF [--rounds 6] [--seconds 8] [--node-args="--flag …"]');
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const root = repoRoot();
  const work = mkdtempSync(join(tmpdir(), 'warmpath-duo-'));
  const other = join(work, 'against');
  execFileSync('git', ['-C', root, 'worktree', 'add', '--detach', other, values.against], { stdio: 'ignore' });
  symlinkSync(join(root, 'node_modules'), join(other, 'node_modules'));
  const group = new ProcessGroup();
  try {
    const upstream = await startUpstream(group, 'upstream', 0, 10);
    const nodeArgs = values['node-args'].split(' ').filter((arg) => arg !== '');
    const self: Side = { label: nodeArgs.length === 0 ? 'this' : `this ${nodeArgs.join(' ')}`, root, nodeArgs };
    const against: Side = { label: values.against, root: other, nodeArgs: [] };
    process.stdout.write(`A = ${against.label}, B = this tree\n`);
    const selfAsB = await orientation(group, upstream, join(work, 'o1'), against, self, rounds, seconds);
    process.stdout.write(`A = this tree, B = ${against.label}\n`);
    const selfAsA = await orientation(group, upstream, join(work, 'o2'), self, against, rounds, seconds);
    for (const [what, pick] of [
      ['req/s', (r: Ratios) => r.rps],
      ['req per CPU-second', (r: Ratios) => r.perCpu],
    ] as const) {
      const asB = mean(selfAsB.map(pick));
      const asA = mean(selfAsA.map(pick));
      process.stdout.write(`this tree / ${values.against}, ${what}: ${Math.sqrt(asB / asA).toFixed(3)} (B/A mean ${asB.toFixed(3)} with this tree as B, ${asA.toFixed(3)} with it as A)\n`);
    }
  } finally {
    await group.stopAll();
    execFileSync('git', ['-C', root, 'worktree', 'remove', '--force', other], { stdio: 'ignore' });
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
