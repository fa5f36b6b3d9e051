// CPU and memory of the benchmark's child processes, read from /proc (Linux). CPU is
// sampled in the background so that a load process can report its measured window
// afterwards and each process's share of it is interpolated from the samples.

import { readdirSync, readFileSync } from 'node:fs';

/** A /proc file's text; undefined once the process is gone (or off Linux). */
function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}

/** USER_HZ: the unit of utime/stime in /proc/PID/stat (100 on every Linux build we meet). */
const ticksPerSecond = 100;

interface Stat {
  /** The command (or thread) name, field 2. */
  readonly name: string;
  /** utime + stime, ms. */
  readonly cpuMs: number;
  /** cutime + cstime: CPU of the children it has reaped, ms. */
  readonly reapedChildrenCpuMs: number;
}

/** A /proc/…/stat file (a process's or a thread's); undefined once it is gone. */
function readStat(path: string): Stat | undefined {
  const text = readProc(path);
  if (text === undefined) return undefined;
  // The name (field 2) may hold spaces: count fields after its closing parenthesis.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  const ms = (a: number, b: number): number => ((Number(fields[a]) + Number(fields[b])) * 1000) / ticksPerSecond;
  return { name: text.slice(text.indexOf('(') + 1, close), cpuMs: ms(11, 12), reapedChildrenCpuMs: ms(13, 14) };
}

/** utime + stime of a process (all its threads), in ms; undefined once it is gone. */
export function cpuTimeMs(pid: number): number | undefined {
  return readStat(`/proc/${pid}/stat`)?.cpuMs;
}

/** CPU of the children this process has reaped, ms: where a finished child's CPU lands. */
export function reapedChildrenCpuMs(): number {
  return readStat('/proc/self/stat')?.reapedChildrenCpuMs ?? 0;
}

/** CPU ms of each thread of a process by thread id, with its name now ("main" for the main thread). */
export type ThreadCpu = ReadonlyMap<string, { readonly name: string; readonly cpuMs: number }>;

export function threadCpu(pid: number): ThreadCpu {
  const threads = new Map<string, { name: string; cpuMs: number }>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tasks) {
    // A thread may end between the listing and the read.
    const stat = readStat(`/proc/${pid}/task/${tid}/stat`);
    if (stat === undefined) continue;
    threads.set(tid, { name: tid === String(pid) ? 'main' : stat.name, cpuMs: stat.cpuMs });
  }
  return threads;
}

/**
 * Pure: the CPU spent between two readings, summed by thread name. Taken thread by thread
 * because the embedded engine's pooled threads rename themselves for each query they run
 * (ThreadPool, QueryPipelineEx, …): differences of per-name sums moved a renamed thread's
 * whole lifetime of CPU from one name to another, and inflated the total. A thread counts
 * under its name at the second reading; one started in between counts from zero; one that
 * ended in between is lost (its last seconds with it).
 */
export function threadCpuSpent(before: ThreadCpu, after: ThreadCpu): Map<string, number> {
  const byName = new Map<string, number>();
  for (const [tid, thread] of after) {
    const spent = thread.cpuMs - (before.get(tid)?.cpuMs ?? 0);
    byName.set(thread.name, (byName.get(thread.name) ?? 0) + spent);
  }
  return byName;
}

/**
 * How long a process's main thread has waited, runnable, for a core (ms): the second field
 * of /proc/PID/task/PID/schedstat. Over a window, a saturated thread with little wait is
 * bound by its own CPU per request; one with much wait is bound by its share of the cores.
 * Undefined once the process is gone, or where the kernel keeps no schedstat.
 */
export function runQueueWaitMs(pid: number): number | undefined {
  const fields = readProc(`/proc/${pid}/task/${pid}/schedstat`)?.trim().split(' ');
  const waitNs = Number(fields?.[1]);
  return fields === undefined || !Number.isFinite(waitNs) ? undefined : waitNs / 1e6;
}

/** Busy CPU time of the whole machine (all cores, every process and the kernel), in ms. */
export function systemBusyMs(): number | undefined {
  const text = readProc('/proc/stat');
  if (text === undefined) return undefined;
  const fields = (text.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: everything but idle and iowait.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return ((user + nice + system + irq + softirq + steal) * 1000) / ticksPerSecond;
}

/** The pseudo-pid under which the sampler keeps the whole machine's busy time. */
export const wholeMachine = -1;

export interface Memory {
  /** Resident set size now, MiB. */
  readonly rssMb: number;
  /** Peak resident set size, MiB. */
  readonly peakRssMb: number;
}

export function memory(pid: number): Memory | undefined {
  const text = readProc(`/proc/${pid}/status`);
  if (text === undefined) return undefined;
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

interface Sample {
  readonly atMs: number;
  readonly cpuMs: number;
}

/** Samples the CPU time of watched processes every `intervalMs`. */
export class CpuSampler {
  readonly #samples = new Map<number, Sample[]>();
  /** Exited processes: their samples stay, their pid is no longer read (it may be reused). */
  readonly #retired = new Set<number>();
  readonly #timer: NodeJS.Timeout;

  constructor(intervalMs = 100) {
    this.#samples.set(wholeMachine, []);
    this.#samples.set(process.pid, []);
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
    this.sample();
  }

  watch(pid: number): void {
    this.#retired.delete(pid);
    this.#samples.set(pid, []);
    this.sample();
  }

  /** The process has exited: keep what was sampled, stop reading its (reusable) pid. */
  retire(pid: number): void {
    this.sample();
    this.#retired.add(pid);
  }

  sample(): void {
    const atMs = Date.now();
    for (const [pid, samples] of this.#samples) {
      if (this.#retired.has(pid)) continue;
      const cpuMs = pid === wholeMachine ? systemBusyMs() : cpuTimeMs(pid);
      if (cpuMs === undefined) continue;
      samples.push({ atMs, cpuMs });
      // Keep about ten minutes: more than any one window needs.
      if (samples.length > 6000) samples.splice(0, samples.length - 6000);
    }
  }

  /**
   * CPU used between two instants by everything that is not one of the watched processes
   * (other users of a shared machine), % of one core.
   */
  othersPercent(fromMs: number, toMs: number): number | undefined {
    const all = this.percent(wholeMachine, fromMs, toMs);
    if (all === undefined) return undefined;
    let mine = 0;
    for (const pid of this.#samples.keys()) if (pid !== wholeMachine) mine += this.percent(pid, fromMs, toMs) ?? 0;
    return Math.max(0, all - mine);
  }

  /** CPU of `pid` between two wall-clock instants, % of one core; undefined if unknown. */
  percent(pid: number, fromMs: number, toMs: number): number | undefined {
    const samples = this.#samples.get(pid);
    if (samples === undefined || toMs <= fromMs) return undefined;
    const a = interpolate(samples, fromMs);
    const b = interpolate(samples, toMs);
    if (a === undefined || b === undefined) return undefined;
    return ((b - a) / (toMs - fromMs)) * 100;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

function interpolate(samples: readonly Sample[], atMs: number): number | undefined {
  if (samples.length === 0) return undefined;
  const first = samples[0] as Sample;
  const last = samples[samples.length - 1] as Sample;
  if (atMs <= first.atMs) return first.cpuMs;
  if (atMs >= last.atMs) return last.cpuMs;
  let lo = 0;
  let hi = samples.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((samples[mid] as Sample).atMs <= atMs) lo = mid;
    else hi = mid;
  }
  const s0 = samples[lo] as Sample;
  const s1 = samples[hi] as Sample;
  const share = s1.atMs === s0.atMs ? 0 : (atMs - s0.atMs) / (s1.atMs - s0.atMs);
  return s0.cpuMs + share * (s1.cpuMs - s0.cpuMs);
}

/**
 * Waits until the processes the sampler does not watch use less than `maxOthersPct` of a
 * core over half a second, or `maxWaitMs` has passed. On a shared machine (other people's
 * test runs) this keeps their load out of the figures; returns what it saw.
 */
export async function waitForQuiet(
  sampler: CpuSampler,
  maxOthersPct: number,
  maxWaitMs: number,
): Promise<{ readonly waitedMs: number; readonly othersPct: number }> {
  const started = Date.now();
  for (;;) {
    const from = Date.now();
    sampler.sample();
    await new Promise((r) => setTimeout(r, 500));
    sampler.sample();
    const othersPct = sampler.othersPercent(from, Date.now()) ?? 0;
    const waitedMs = Date.now() - started;
    if (othersPct < maxOthersPct || waitedMs >= maxWaitMs) return { waitedMs, othersPct };
  }
}
