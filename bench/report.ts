// Turns measurements into the figures the design's performance targets name, the human
// tables, and the one-line JSON object of `--json`. A figure whose inputs are missing is
// left out, never reported as zero.

import type { ComponentResult } from './components.ts';
import type { ClosedLoopResult, OpenLoopResult, Percentiles } from './load-spec.ts';
import { median, usable, type Measurement } from './measure.ts';

export interface ShadowResult {
  readonly off: Measurement<OpenLoopResult>;
  readonly on: Measurement<OpenLoopResult>;
  /** Requests the two secondaries received during the shadow-on runs, per primary request. */
  readonly mirroredPerRequest: number;
  /** The same during the shadow-off runs: 0 unless something mirrors when it should not. */
  readonly offMirroredPerRequest: number;
}

export interface BenchResults {
  /** Runs that started while other processes kept the machine busy. */
  readonly busyRuns: number;
  readonly overhead: readonly Measurement<OpenLoopResult>[];
  readonly overheadRate: number;
  readonly max: readonly Measurement<ClosedLoopResult>[];
  readonly maxConnections: number;
  readonly stream: readonly Measurement<OpenLoopResult>[];
  readonly streamRate: number;
  readonly shadow: ShadowResult | undefined;
  readonly shadowRate: number;
  /** Peak and current RSS of the warmpath process after its runs. */
  readonly warmpathMemory: { readonly rssMb: number; readonly peakRssMb: number } | undefined;
  readonly components: readonly ComponentResult[];
}

export type Figures = Partial<Record<FigureKey, number>>;

export type FigureKey =
  | 'router.overhead_p50_ms'
  | 'router.overhead_p99_ms'
  | 'router.vs_bare_p50_ratio'
  | 'router.portkey_p50_ratio'
  | 'router.portkey_p99_ratio'
  | 'router.max_rps_vs_bare'
  | 'router.max_rps_vs_portkey'
  | 'router.shadow_p99_ratio'
  | 'router.ttfb_stream_ms'
  | 'router.rss_mb'
  | 'collector.records_per_s'
  | 'evaluator.pairs_per_s';

interface TargetRule {
  readonly key: FigureKey;
  readonly what: string;
  readonly op: '<=' | '>=';
  readonly limit: number;
}

/** The design's "Performance targets", as checks on the figures. */
export const targetRules: readonly TargetRule[] = [
  { key: 'router.overhead_p50_ms', what: 'p50 overhead at 1,000 req/s (ms)', op: '<=', limit: 0.5 },
  { key: 'router.overhead_p99_ms', what: 'p99 overhead at 1,000 req/s (ms)', op: '<=', limit: 3 },
  { key: 'router.vs_bare_p50_ratio', what: 'p50 overhead / bare proxy p50 overhead', op: '<=', limit: 1.3 },
  { key: 'router.portkey_p50_ratio', what: 'Portkey p50 overhead / warmpath p50 overhead', op: '>=', limit: 2.5 },
  { key: 'router.portkey_p99_ratio', what: 'Portkey p99 overhead / warmpath p99 overhead', op: '>=', limit: 5 },
  { key: 'router.max_rps_vs_portkey', what: 'max throughput / Portkey max throughput', op: '>=', limit: 5 },
  { key: 'router.max_rps_vs_bare', what: 'max throughput / bare proxy max throughput', op: '>=', limit: 0.8 },
  { key: 'router.shadow_p99_ratio', what: 'primary p99 shadow 100% x2 / shadow off', op: '<=', limit: 1.1 },
  { key: 'collector.records_per_s', what: 'collector records/s into embedded ClickHouse', op: '>=', limit: 50_000 },
  { key: 'evaluator.pairs_per_s', what: 'evaluator pairs/s (structural + semantic)', op: '>=', limit: 5_000 },
];

function byName<M extends Measurement>(rows: readonly M[], name: string): M | undefined {
  return rows.find((r) => r.target === name);
}

const finite = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n);

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  // A ratio against an overhead that is not positive says nothing: leave it out.
  return finite(a) && finite(b) && b > 0 ? a / b : undefined;
}

/** Target percentile minus direct percentile, same run (medians over the rounds). */
function overhead(rows: readonly Measurement<OpenLoopResult>[], name: string, p: keyof Percentiles): number | undefined {
  const direct = byName(rows, 'direct');
  const row = byName(rows, name);
  if (!usable(direct) || !usable(row)) return undefined;
  return row.load.latencyMs[p] - direct.load.latencyMs[p];
}

/**
 * A ratio between two targets: the median over the rounds of each round's own ratio.
 * Rounds are interleaved so that the two targets of a round share the machine's phase;
 * pairing them cancels the drift that a ratio of the two medians (one target's round 1
 * against the other's round 3) would carry. With one round it is that round's ratio.
 */
function pairedMedian(a: readonly number[], b: readonly number[]): number | undefined {
  const m = median(pairedRatios(a, b));
  return Number.isFinite(m) ? m : undefined;
}

/** Each round's overhead at p, or nothing when the target's measurement is not usable. */
function usableOverhead(rows: readonly Measurement<OpenLoopResult>[], name: string, p: keyof Percentiles): number[] {
  return usable(byName(rows, 'direct')) && usable(byName(rows, name)) ? overheadPerRound(rows, name, p) : [];
}

export function figures(r: BenchResults): Figures {
  const out: Figures = {};
  const set = (key: FigureKey, value: number | undefined): void => {
    if (finite(value)) out[key] = Math.round(value * 1000) / 1000;
  };
  set('router.overhead_p50_ms', overhead(r.overhead, 'warmpath', 'p50'));
  set('router.overhead_p99_ms', overhead(r.overhead, 'warmpath', 'p99'));
  const [wp50, wp99] = [usableOverhead(r.overhead, 'warmpath', 'p50'), usableOverhead(r.overhead, 'warmpath', 'p99')];
  set('router.vs_bare_p50_ratio', pairedMedian(wp50, usableOverhead(r.overhead, 'bare proxy', 'p50')));
  set('router.portkey_p50_ratio', pairedMedian(usableOverhead(r.overhead, 'portkey', 'p50'), wp50));
  set('router.portkey_p99_ratio', pairedMedian(usableOverhead(r.overhead, 'portkey', 'p99'), wp99));
  const maxRps = (name: string): number[] => {
    const m = byName(r.max, name);
    return usable(m) ? perRound(m, (l) => l.achievedRps) : [];
  };
  set('router.max_rps_vs_bare', pairedMedian(maxRps('warmpath'), maxRps('bare proxy')));
  set('router.max_rps_vs_portkey', pairedMedian(maxRps('warmpath'), maxRps('portkey')));
  // Only a run in which the secondaries really received the mirror measures shadowing.
  if (r.shadow !== undefined && r.shadow.mirroredPerRequest > 0.5 && usable(r.shadow.on) && usable(r.shadow.off)) {
    const p99s = (m: Measurement<OpenLoopResult>): number[] => perRound(m, (l) => l.latencyMs.p99);
    set('router.shadow_p99_ratio', pairedMedian(p99s(r.shadow.on), p99s(r.shadow.off)));
  }
  const streamWp = byName(r.stream, 'warmpath');
  if (usable(streamWp)) set('router.ttfb_stream_ms', streamWp.load.ttfbMs.p50);
  set('router.rss_mb', r.warmpathMemory?.peakRssMb);
  for (const c of r.components) {
    if (c.component === 'collector') set('collector.records_per_s', c.perSecond);
    if (c.component === 'evaluator') set('evaluator.pairs_per_s', c.perSecond);
  }
  return out;
}

// ---- human output ----

const ms = (n: number | undefined): string => (finite(n) ? n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2) : '–');
const pct = (n: number | undefined): string => (finite(n) ? `${n.toFixed(0)}%` : '–');
const num = (n: number | undefined, digits = 0): string => (finite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');

/** A plain-text table; the first `textColumns` columns are left-aligned, numbers right. */
function table(header: readonly string[], rows: readonly (readonly string[])[], textColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function openRows(rows: readonly Measurement<OpenLoopResult>[], withOverhead: boolean): string[][] {
  return rows.map((m) => {
    const l = m.load;
    const cells = [m.target, num(l.achievedRps, 1), ms(l.latencyMs.p50), ms(l.latencyMs.p90), ms(l.latencyMs.p99), ms(l.latencyMs.max)];
    if (withOverhead) {
      const isDirect = m.target === 'direct';
      cells.push(isDirect ? '' : ms(overhead(rows, m.target, 'p50')), isDirect ? '' : ms(overhead(rows, m.target, 'p99')));
    }
    cells.push(pct(m.targetCpuPct), pct(m.upstreamCpuPct), pct(l.generatorCpuPct), pct(m.otherCpuPct), ms(l.sendLagMs.p99), String(l.errors));
    return cells;
  });
}

/** a[i] / b[i] for each round; a round whose denominator is not positive gives NaN (printed as –). */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => ratio(x, b[i]) ?? Number.NaN);
}

/** How many rounds a scenario's figures are the medians of (1 for none). */
function roundsOf(rows: readonly Measurement[]): number {
  return Math.max(1, ...rows.map((m) => m.roundLoads.length));
}

/** Names the targets measured in fewer rounds than the others (direct at max throughput). */
function fewerRounds(rows: readonly Measurement[]): string {
  const most = roundsOf(rows);
  const fewer = rows.filter((m) => m.roundLoads.length < most);
  return fewer.length === 0 ? '' : `; ${fewer.map((m) => `${m.target}: ${m.roundLoads.length} round${m.roundLoads.length === 1 ? '' : 's'}`).join(', ')}`;
}

const medianNote = (rounds: number): string => (rounds > 1 ? `; each figure the median of ${rounds} interleaved rounds` : '');

/** One value per round of a combined measurement, in the order the rounds ran. */
function perRound<R extends OpenLoopResult | ClosedLoopResult>(m: Measurement<R> | undefined, value: (load: R) => number): number[] {
  return m === undefined ? [] : m.roundLoads.map(value);
}

/** Each round's overhead (target minus direct, same round) at percentile p. */
function overheadPerRound(rows: readonly Measurement<OpenLoopResult>[], name: string, p: keyof Percentiles): number[] {
  const direct = perRound(byName(rows, 'direct'), (l) => l.latencyMs[p]);
  return perRound(byName(rows, name), (l) => l.latencyMs[p]).map((v, i) => v - (direct[i] ?? Number.NaN));
}

const series = (values: readonly number[], format: (n: number) => string): string => values.map((v) => (Number.isFinite(v) ? format(v) : '–')).join(' ');

/**
 * The rounds behind the medians: on a machine whose speed drifts, a figure that misses in
 * one round of three reads differently from one that misses in all three.
 */
export function roundLines(r: BenchResults): { overhead: string[]; max: string[]; stream: string[]; shadow: string[] } {
  const out = { overhead: [] as string[], max: [] as string[], stream: [] as string[], shadow: [] as string[] };
  const ratio2 = (n: number): string => n.toFixed(2);
  const proxies = r.overhead.filter((m) => m.target !== 'direct').map((m) => m.target);
  if (proxies.length > 0 && roundsOf(r.overhead) > 1) {
    for (const p of ['p50', 'p99'] as const) {
      out.overhead.push(`per round, +${p} (ms): ${proxies.map((t) => `${t} ${series(overheadPerRound(r.overhead, t, p), ms)}`).join(' | ')}`);
    }
    const wp = overheadPerRound(r.overhead, 'warmpath', 'p50');
    const ratios = [
      ['warmpath ÷ bare proxy +p50', pairedRatios(wp, overheadPerRound(r.overhead, 'bare proxy', 'p50'))],
      ['portkey ÷ warmpath +p50', pairedRatios(overheadPerRound(r.overhead, 'portkey', 'p50'), wp)],
    ] as const;
    out.overhead.push(`per round, ${ratios.filter(([, v]) => v.length > 0).map(([what, v]) => `${what} ${series(v, ratio2)}`).join('; ')}`);
  }
  if (roundsOf(r.max) > 1) {
    const rps = (name: string): number[] => perRound(byName(r.max, name), (l) => l.achievedRps);
    out.max.push(`per round, req/s: ${r.max.map((m) => `${m.target} ${series(rps(m.target), (n) => num(n))}`).join(' | ')}`);
    out.max.push(
      `per round, warmpath ÷ bare proxy ${series(pairedRatios(rps('warmpath'), rps('bare proxy')), ratio2)}; ` +
        `warmpath ÷ portkey ${series(pairedRatios(rps('warmpath'), rps('portkey')), ratio2)}`,
    );
  }
  if (roundsOf(r.stream) > 1) {
    out.stream.push(`per round, TTFB p50 (ms): ${r.stream.map((m) => `${m.target} ${series(perRound(m, (l) => l.ttfbMs.p50), ms)}`).join(' | ')}`);
  }
  if (r.shadow !== undefined && roundsOf([r.shadow.off, r.shadow.on]) > 1) {
    const off = perRound(r.shadow.off, (l) => l.latencyMs.p99);
    const on = perRound(r.shadow.on, (l) => l.latencyMs.p99);
    out.shadow.push(`per round, p99 (ms): shadow off ${series(off, ms)} | shadow 100% ${series(on, ms)}; on ÷ off ${series(pairedRatios(on, off), ratio2)}`);
  }
  return out;
}

// A Node proxy's process runs its event loop on one core; near a whole core at a fixed rate,
// requests queue behind each other and its latency is mostly waiting. Portkey reaches it at
// 1,000 req/s in the VM's slow phases (thirty-fourth look), where its p50 overhead jumps
// from ~0.9 ms to 6–76 ms and the Portkey ratios stop saying anything about warmpath.
const saturatedCpuPct = 90;

/** A note per proxy that used most of a core at a fixed rate: its latency there is queueing. */
export function saturationNotes(rows: readonly Measurement<OpenLoopResult>[], rate: number): string[] {
  return rows
    .filter((m) => m.target !== 'direct' && finite(m.targetCpuPct) && m.targetCpuPct >= saturatedCpuPct)
    .map(
      (m) =>
        `note: ${m.target} used ${pct(m.targetCpuPct)} of a core at ${num(rate)} req/s, about all its event loop can: ` +
        `requests queued behind each other, so its latency here is mostly waiting, not its cost per request, and ratios taken from its row compare against a proxy at its limit`,
    );
}

export function humanReport(r: BenchResults, f: Figures): string {
  const out: string[] = [];
  const cpuCols = ['proxy CPU', 'upstream CPU', 'loadgen CPU', 'other CPU', 'send lag p99', 'errors'];

  const byRound = roundLines(r);
  out.push(`Overhead: open loop at ${num(r.overheadRate)} req/s, upstream answers at once (ms, send to last byte${medianNote(roundsOf(r.overhead))})`);
  out.push(table(['target', 'req/s', 'p50', 'p90', 'p99', 'max', '+p50', '+p99', ...cpuCols], openRows(r.overhead, true)));
  out.push(...byRound.overhead, ...saturationNotes(r.overhead, r.overheadRate), '');

  out.push(`Max throughput: closed loop, ${r.maxConnections} connections (${r.max[0]?.load.generator ?? 'no generator ran'}), upstream answers at once (ms${medianNote(roundsOf(r.max))}${fewerRounds(r.max)})`);
  out.push(
    table(
      ['target', 'req/s', 'p50', 'p90', 'p99', 'proxy CPU', 'upstream CPU', 'loadgen CPU', 'other CPU', 'errors'],
      r.max.map((m) => [
        m.target,
        num(m.load.achievedRps),
        ms(m.load.latencyMs.p50),
        ms(m.load.latencyMs.p90),
        ms(m.load.latencyMs.p99),
        pct(m.targetCpuPct),
        pct(m.upstreamCpuPct),
        pct(m.load.generatorCpuPct),
        pct(m.otherCpuPct),
        String(m.load.errors),
      ]),
    ),
  );
  out.push(...byRound.max, '');

  out.push(`Streaming: open loop at ${num(r.streamRate)} req/s, stream: true, upstream sends 9 events 10 ms apart (ms${medianNote(roundsOf(r.stream))})`);
  out.push(
    table(
      ['target', 'req/s', 'TTFB p50', 'TTFB p90', 'TTFB p99', 'last byte p50', 'proxy CPU', 'errors'],
      r.stream.map((m) => [
        m.target,
        num(m.load.achievedRps, 1),
        ms(m.load.ttfbMs.p50),
        ms(m.load.ttfbMs.p90),
        ms(m.load.ttfbMs.p99),
        ms(m.load.latencyMs.p50),
        pct(m.targetCpuPct),
        String(m.load.errors),
      ]),
    ),
  );
  out.push(...byRound.stream, '');

  if (r.shadow !== undefined) {
    out.push(`Shadow: open loop at ${num(r.shadowRate)} req/s, primary upstream 50 ms, two secondaries 500 ms (primary latency, ms${medianNote(roundsOf([r.shadow.off, r.shadow.on]))})`);
    out.push(table(['warmpath', 'req/s', 'p50', 'p90', 'p99', 'max', ...cpuCols], openRows([r.shadow.off, r.shadow.on], false)));
    out.push(
      `secondary requests per primary request: ${r.shadow.mirroredPerRequest.toFixed(2)} with shadow 100% (2.00 = every request mirrored to both), ` +
        `${r.shadow.offMirroredPerRequest.toFixed(2)} with shadow off`,
    );
    if (r.shadow.mirroredPerRequest <= 0.5) out.push('(the secondaries received no mirror: router.shadow_p99_ratio is left out)');
    out.push(...byRound.shadow);
    out.push('');
  }

  if (r.warmpathMemory !== undefined) {
    out.push(`warmpath RSS after its runs: ${num(r.warmpathMemory.rssMb, 1)} MiB now, ${num(r.warmpathMemory.peakRssMb, 1)} MiB peak`);
  }
  for (const c of r.components) {
    out.push(c.perSecond !== undefined ? `${c.component}: ${num(c.perSecond)} /s` : `${c.component}: not measured (${c.missing ?? 'unknown'})`);
  }
  out.push('');

  const all: Measurement[] = [...r.overhead, ...r.max, ...r.stream, ...(r.shadow === undefined ? [] : [r.shadow.off, r.shadow.on])];
  const troubled = all.filter((m) => m.load.errors > 0 || m.targetExited !== undefined);
  if (troubled.length > 0) {
    out.push('Errors (a run with more than 1% errors yields no figure):');
    for (const m of troubled) {
      const samples = m.load.kind === 'open' ? ` e.g. ${[...new Set(m.load.errorSamples)].join('; ')}` : '';
      out.push(`  ${m.target}: ${m.load.errors} errors of ${m.load.ok + m.load.errors}${samples}`);
      if (m.targetExited !== undefined) out.push(`    ${m.targetExited.replaceAll('\n', '\n    ')}`);
    }
    out.push('');
  }
  out.push('CPU columns: % of one core over the measured window (2 cores = 200%); "other" is every process that is not the benchmark\'s.');
  out.push('');
  if (r.busyRuns > 0) {
    out.push(`WARNING: ${r.busyRuns} run(s) started while other processes kept the machine busy ("other CPU"): their figures are not trustworthy.`);
    out.push('');
  }
  out.push('Figures against the design\'s performance targets');
  const ruled = new Set(targetRules.map((t) => t.key));
  const rows = targetRules.map((t) => {
    const v = f[t.key];
    const verdict = v === undefined ? 'not measured' : (t.op === '<=' ? v <= t.limit : v >= t.limit) ? 'meets' : 'MISSES';
    return [t.key, t.what, v === undefined ? '–' : num(v, v >= 100 ? 0 : 3), `${t.op} ${num(t.limit, t.limit < 10 ? 1 : 0)}`, verdict];
  });
  for (const [key, value] of Object.entries(f)) {
    if (!ruled.has(key as FigureKey)) rows.push([key, key === 'router.rss_mb' ? 'warmpath peak RSS (MiB)' : 'streaming TTFB p50 through warmpath (ms)', num(value, 2), '', '']);
  }
  out.push(table(['figure', 'what', 'measured', 'target', 'verdict'], rows, 2));
  if (Math.max(roundsOf(r.overhead), roundsOf(r.max)) > 1) out.push('A ratio between two targets is the median of the ratios within each round ("per round" lines above).');
  return out.join('\n');
}
