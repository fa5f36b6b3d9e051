// `npm run bench`: warmpath side by side with the upstream itself, a bare fastify+undici
// proxy and Portkey's gateway, every one a separate process on 127.0.0.1, every load
// bounded in time, every child process ended on exit, error or Ctrl-C.
//
//   node dist/bench/run.js [--quick] [--json] [--only overhead,max,stream,shadow,components]
//                          [--profile DIR]   (--cpu-prof of the warmpath processes into DIR)
//                          [--generator wrk|autocannon]  (max throughput; default wrk if installed)

import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ComponentResult, ComponentName } from './components.ts';
import { closedLoop, combineClosed, combineOpen, openLoop, probe, requestFor, runLoad, type MeasureContext, type Measurement } from './measure.ts';
import type { ClosedLoopResult, OpenLoopResult } from './load-spec.ts';
import { CpuSampler, memory, waitForQuiet } from './proc-stats.ts';
import { ProcessGroup, runJsonChild } from './processes.ts';
import { findWrk } from './wrk.ts';
import { figures, humanReport, type BenchResults, type ShadowResult } from './report.ts';
import {
  benchScript,
  directTarget,
  repoRoot,
  startBareProxy,
  startPortkey,
  startUpstream,
  startWarmpath,
  type Target,
  type Upstream,
  type WarmpathOptions,
  type WarmpathTarget,
} from './targets.ts';

const scenarioNames = ['overhead', 'max', 'stream', 'shadow', 'components'] as const;
type Scenario = (typeof scenarioNames)[number];

interface Load {
  readonly warmupS: number;
  readonly durationS: number;
}

interface Plan {
  /** Measured runs per target, interleaved across targets; figures are medians over them. */
  readonly rounds: number;
  /** Discarded load per target before its first measured run (JIT, pools, caches), at the scenario's rate. */
  readonly prewarmS: number;
  /** The same for the proxies before the overhead, max and stream scenarios, at full load. */
  readonly fullLoadPrewarmS: number;
  readonly overhead: Load & { readonly rate: number };
  /** `rounds` overrides the plan's for this scenario. */
  readonly max: Load & { readonly connections: number; readonly rounds?: number };
  readonly stream: Load & { readonly rate: number };
  readonly shadow: Load & { readonly rate: number };
}

const plans: Readonly<Record<'full' | 'quick', Plan>> = {
  full: {
    rounds: 3,
    prewarmS: 5,
    fullLoadPrewarmS: 10,
    overhead: { rate: 1000, warmupS: 2, durationS: 8 },
    max: { connections: 50, warmupS: 1, durationS: 5 },
    stream: { rate: 100, warmupS: 1, durationS: 3 },
    shadow: { rate: 200, warmupS: 2, durationS: 10 },
  },
  quick: {
    rounds: 1,
    prewarmS: 2,
    fullLoadPrewarmS: 6,
    overhead: { rate: 1000, warmupS: 0.5, durationS: 4 },
    // Three short rounds, not one long one: the VM's speed moves at the scale of seconds for
    // every target alike, and the median of interleaved rounds steadies the ratios where the
    // mean of two does not (BENCHMARKS.md, "Run-to-run spread"; the eighteenth look's
    // resampling). Whole seconds: wrk takes no shorter unit.
    max: { connections: 50, warmupS: 1, durationS: 1, rounds: 3 },
    stream: { rate: 100, warmupS: 0.5, durationS: 2 },
    shadow: { rate: 200, warmupS: 1, durationS: 5 },
  },
};

/**
 * `rounds` rounds, each running the round's targets one after the other: a slow phase of
 * the machine then falls on every target alike. Each target's runs, in the order they ran,
 * in the order the targets were first run.
 */
async function interleaved<M>(rounds: number, targetsOf: (round: number) => readonly Target[], run: (target: Target, round: number) => Promise<M>): Promise<M[][]> {
  const runs = new Map<string, M[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const t of targetsOf(round)) runs.set(t.name, [...(runs.get(t.name) ?? []), await run(t, round)]);
  }
  return [...runs.values()];
}

const benchStarted = Date.now();

function log(line: string): void {
  process.stderr.write(`bench: [${((Date.now() - benchStarted) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(repoRoot(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

export function environment(): string {
  const cpu = cpus();
  return [
    `machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), Linux, all processes on 127.0.0.1`,
    `node ${process.versions.node}; fastify ${packageVersion('fastify')}, undici ${packageVersion('undici')}, ` +
      `@portkey-ai/gateway ${packageVersion('@portkey-ai/gateway')} (@hono/node-server ${packageVersion('@hono/node-server')}), autocannon ${packageVersion('autocannon')}, ` +
      `wrk ${findWrk() === undefined ? 'not installed' : 'installed'}`,
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      only: { type: 'string' },
      profile: { type: 'string' },
      generator: { type: 'string' },
    },
  });
  const selected = new Set<Scenario>(
    values.only === undefined ? scenarioNames : (values.only.split(',').map((s) => s.trim()) as Scenario[]),
  );
  for (const s of selected) if (!scenarioNames.includes(s)) throw new Error(`unknown scenario "${s}" (known: ${scenarioNames.join(', ')})`);
  const plan = plans[values.quick === true ? 'quick' : 'full'];
  const generator = values.generator;
  if (generator !== undefined && generator !== 'wrk' && generator !== 'autocannon') throw new Error(`--generator must be wrk or autocannon, not "${generator}"`);
  const profileDir = values.profile === undefined ? undefined : resolve(values.profile);
  const nodeArgs = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];

  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), 'warmpath-bench-'));
  const sampler = new CpuSampler(100);
  const group = new ProcessGroup({ started: (c) => sampler.watch(c.pid), exited: (c) => sampler.retire(c.pid) });
  // Another user's load on a shared machine (a test suite, a build) would be measured as
  // ours: each run starts once the rest of the machine has been quiet for half a second,
  // waiting at most a budget per benchmark (so the full run stays near ten minutes).
  let quietBudgetMs = values.quick === true ? 10_000 : 180_000;
  let busyRuns = 0;
  const beforeRun = async (): Promise<void> => {
    const q = await waitForQuiet(sampler, 15, quietBudgetMs);
    quietBudgetMs = Math.max(0, quietBudgetMs - q.waitedMs);
    if (q.othersPct >= 15) {
      busyRuns += 1;
      log(`the machine stays busy (other processes use ${q.othersPct.toFixed(0)}% of a core): measuring anyway`);
    } else if (q.waitedMs > 1000) log(`waited ${(q.waitedMs / 1000).toFixed(0)} s for other processes to leave the CPU`);
  };
  // Repeating a disturbed run spends from the same budget as waiting (its length, roughly).
  const mayRepeat = (m: Measurement): boolean => {
    const costMs = m.load.windowEndMs - m.load.windowStartMs + 2000;
    if (quietBudgetMs < costMs) return false;
    quietBudgetMs -= costMs;
    log(`${m.target}: other processes used ${(m.otherCpuPct ?? 0).toFixed(0)}% of a core during the run: running it again`);
    return true;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping every child process`);
    group.killAllNow();
    rmSync(workDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const overhead: Measurement<OpenLoopResult>[] = [];
  const max: Measurement<ClosedLoopResult>[] = [];
  const stream: Measurement<OpenLoopResult>[] = [];
  let shadow: ShadowResult | undefined;
  let warmpathMemory: BenchResults['warmpathMemory'];
  const components: ComponentResult[] = [];

  try {
    log(`${values.quick === true ? 'quick' : 'full'} run; scenarios: ${[...selected].join(', ')}; work dir ${workDir}`);
    const needTargets = selected.has('overhead') || selected.has('max') || selected.has('stream');
    const needShadow = selected.has('shadow');
    const upstreams: Upstream[] = [];
    const up = async (name: string, delayMs: number, gapMs: number): Promise<Upstream> => {
      const u = await startUpstream(group, name, delayMs, gapMs);
      sampler.watch(u.child.pid);
      upstreams.push(u);
      return u;
    };

    if (needTargets) {
      // Non-stream answers go out at once; streams send their events 10 ms apart so that
      // time to first byte is told apart from time to last byte.
      const upstream = await up('upstream', 0, 10);
      const secondaries = [await up('secondary-a', 500, 0), await up('secondary-b', 500, 0)];
      const wpOptions: WarmpathOptions = {
        name: 'warmpath',
        dataDir: join(workDir, 'data-warmpath'),
        configDir: workDir,
        workloads: { bench: upstream },
        secondaries,
        shadowSampleRate: 0,
        nodeArgs,
      };
      const targets: Target[] = [
        directTarget(upstream),
        await startBareProxy(group, upstream),
        await startWarmpath(group, wpOptions, 'bench'),
        await startPortkey(group, upstream),
      ];
      for (const t of targets) {
        if (t.child !== undefined) sampler.watch(t.child.pid);
        await probe(t);
      }
      log(`targets up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${targets.map((t) => t.name).join(', ')}`);
      const ctx: MeasureContext = { group, sampler, upstreams: [upstream.child], beforeRun, mayRepeat };

      // At full load: warmpath's code takes ~10 s of it (~100k requests) to be optimised by
      // V8, against a few seconds for the bare proxy; at 1,000 req/s it would still be
      // warming up through the first max-throughput rounds (BENCHMARKS.md, thirteenth look).
      // Direct is the mock upstream, which every other target's pre-warm warms as well.
      // Discarded load is not a measurement: no wait for a quiet machine, no repeat.
      for (const t of targets) {
        const seconds = t.child === undefined ? 1 : plan.fullLoadPrewarmS;
        log(`pre-warm: ${t.name}, ${plan.max.connections} connections for ${seconds} s (discarded)`);
        await runLoad(group, t, { ...requestFor(t, false), connections: plan.max.connections, warmupS: 0, durationS: seconds, generator });
      }
      if (selected.has('overhead')) {
        const runs = await interleaved(plan.rounds, () => targets, (t, round) => {
          log(`overhead ${round}/${plan.rounds}: ${t.name} at ${plan.overhead.rate} req/s for ${plan.overhead.warmupS}+${plan.overhead.durationS} s`);
          return openLoop(ctx, t, plan.overhead);
        });
        overhead.push(...runs.map(combineOpen));
      }
      if (selected.has('max')) {
        const maxRounds = plan.max.rounds ?? plan.rounds;
        // Direct (the harness's own ceiling) is in no ratio: one round of it is enough.
        const inRound = (round: number): readonly Target[] => (round === 1 ? targets : targets.filter((x) => x.name !== 'direct'));
        const runs = await interleaved(maxRounds, inRound, (t, round) => {
          log(`max throughput ${round}/${maxRounds}: ${t.name}, ${plan.max.connections} connections for ${plan.max.warmupS}+${plan.max.durationS} s`);
          return closedLoop(ctx, t, { ...plan.max, generator });
        });
        max.push(...runs.map(combineClosed));
      }
      if (selected.has('stream')) {
        const runs = await interleaved(plan.rounds, () => targets, (t, round) => {
          log(`streaming ${round}/${plan.rounds}: ${t.name} at ${plan.stream.rate} req/s for ${plan.stream.warmupS}+${plan.stream.durationS} s`);
          return openLoop(ctx, t, { ...plan.stream, stream: true });
        });
        stream.push(...runs.map(combineOpen));
      }
      const wp = targets.find((t) => t.name === 'warmpath');
      if (wp?.child !== undefined) warmpathMemory = memory(wp.child.pid);
      // The proxies are done: free their CPU for what follows.
      for (const t of targets) if (t.child !== undefined) await group.stop(t.child);
    }

    if (needShadow) {
      const primary = await up('primary-50ms', 50, 0);
      const secondaries = [await up('secondary-a-500ms', 500, 0), await up('secondary-b-500ms', 500, 0)];
      const ctx: MeasureContext = { group, sampler, upstreams: [primary.child], beforeRun, mayRepeat };
      const secondaryRequests = async (): Promise<number> => (await secondaries[0]!.requests()) + (await secondaries[1]!.requests());
      // Same config but for the sample rate, one process each, both started before either is loaded.
      interface Variant {
        readonly target: WarmpathTarget;
        readonly runs: Measurement<OpenLoopResult>[];
        sent: number;
        mirrored: number;
      }
      const variants: Variant[] = [];
      for (const rate of [0, 1]) {
        const label = rate === 0 ? 'shadow off' : 'shadow 100%';
        const target = await startWarmpath(
          group,
          {
            name: label,
            dataDir: join(workDir, `data-${rate === 0 ? 'shadow-off' : 'shadow-on'}`),
            configDir: workDir,
            workloads: { bench50: primary },
            secondaries,
            shadowSampleRate: rate,
            nodeArgs,
          },
          'bench50',
        );
        sampler.watch(target.child.pid);
        await probe(target);
        variants.push({ target, runs: [], sent: 0, mirrored: 0 });
      }
      const shadowRun = async (v: Variant, load: Load): Promise<Measurement<OpenLoopResult>> => {
        const before = await secondaryRequests();
        const primaryBefore = await primary.requests();
        const m = await openLoop(ctx, v.target, { ...load, rate: plan.shadow.rate });
        // Mirrors still in flight to the 500 ms secondaries are counted too, and finish
        // before the other variant is measured.
        await new Promise((r) => setTimeout(r, 1200));
        v.mirrored += (await secondaryRequests()) - before;
        // What the primary answered, not what the plan sent: a run repeated because another
        // user's load disturbed it sent its requests twice.
        v.sent += (await primary.requests()) - primaryBefore;
        return m;
      };
      for (const v of variants) {
        log(`pre-warm: ${v.target.name} at ${plan.shadow.rate} req/s for ${plan.prewarmS} s (discarded)`);
        await shadowRun(v, { warmupS: plan.prewarmS, durationS: 0.2 });
      }
      for (let round = 1; round <= plan.rounds; round++) {
        for (const v of variants) {
          log(`shadow ${round}/${plan.rounds}: ${v.target.name} at ${plan.shadow.rate} req/s for ${plan.shadow.warmupS}+${plan.shadow.durationS} s`);
          v.runs.push(await shadowRun(v, plan.shadow));
        }
      }
      const [off, on] = variants as [Variant, Variant];
      shadow = {
        off: combineOpen(off.runs),
        on: combineOpen(on.runs),
        mirroredPerRequest: on.mirrored / on.sent,
        offMirroredPerRequest: off.mirrored / off.sent,
      };
      for (const v of variants) await group.stop(v.target.child);
    }

    for (const u of upstreams) await group.stop(u.child);

    if (selected.has('components')) {
      for (const component of ['collector', 'evaluator'] as const satisfies readonly ComponentName[]) {
        log(`${component} throughput`);
        const dataDir = join(workDir, `data-${component}`);
        components.push(
          await runJsonChild<ComponentResult>(group, component, benchScript('components'), { component, dataDir, quick: values.quick === true }, 300_000).catch(
            (err: unknown): ComponentResult => ({ component, missing: `failed: ${(err as Error).message.split('\n')[0] ?? ''}` }),
          ),
        );
      }
    }
  } finally {
    await group.stopAll();
    group.dispose();
    sampler.stop();
    rmSync(workDir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const results: BenchResults = {
    busyRuns,
    overhead,
    overheadRate: plan.overhead.rate,
    max,
    maxConnections: plan.max.connections,
    stream,
    streamRate: plan.stream.rate,
    shadow,
    shadowRate: plan.shadow.rate,
    warmpathMemory,
    components,
  };
  const f = figures(results);
  process.stdout.write(`${environment()}\nrun: ${values.quick === true ? '--quick' : 'full'}, ${((Date.now() - started) / 1000).toFixed(0)} s\n\n`);
  process.stdout.write(`${humanReport(results, f)}\n`);
  if (profileDir !== undefined) process.stdout.write(`\nCPU profiles of the warmpath processes: ${profileDir}\n`);
  if (values.json === true) process.stdout.write(`${JSON.stringify(f)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
