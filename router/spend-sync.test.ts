import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import type { SpendWindow, SpendWindowQuery } from '../schemas/index.ts';
import { startSpendSync } from './spend-sync.ts';

const day = Date.parse('2026-11-21T00:00:00Z');
const hour = 3_600_000;

interface Handed {
  readonly totals: Record<string, number>;
  readonly dayStartMs: number;
  readonly asOfMs: number;
}

function harness(windows: (SpendWindow | Error)[]) {
  let now = day + 10 * hour;
  const queries: SpendWindowQuery[] = [];
  const handed: Handed[] = [];
  const logged: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line).msg as string) });
  const reader = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const provider = new MeterProvider({ readers: [reader] });
  const metric = async (name: string): Promise<number | undefined> => {
    const { resourceMetrics } = await reader.collect();
    const found = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
    return found?.dataPoints[0]?.value as number | undefined;
  };
  const sync = startSpendSync({
    source: async (query) => {
      queries.push(query);
      const next = windows.shift();
      if (next === undefined) throw new Error('no window left');
      if (next instanceof Error) throw next;
      return next;
    },
    target: { reconcileSpend: (stored, dayStartMs, asOfMs) => void handed.push({ totals: Object.fromEntries(stored), dayStartMs, asOfMs }) },
    clock: { now: () => now, monotonic: () => now },
    logger,
    meter: provider.getMeter('test'),
    intervalMs: 3_600_000,
  });
  return { sync, queries, handed, logged, metric, advance: (ms: number) => void (now += ms) };
}

const window = (insertedBeforeMs: number, usd: Record<string, number>): SpendWindow => ({ insertedBeforeMs, usdByWorkload: new Map(Object.entries(usd)) });

test('windows of stored spend add up to the day\'s totals; each read starts where the last one ended', async () => {
  const h = harness([window(day + 9 * hour, { a: 2, b: 1 }), window(day + 10 * hour, { a: 0.5 })]);
  try {
    assert.equal(await h.sync.syncNow(), true);
    assert.equal(await h.sync.syncNow(), true);
    assert.deepEqual(h.queries, [
      { dayStartMs: day, insertedAfterMs: day - hour },
      { dayStartMs: day, insertedAfterMs: day + 9 * hour },
    ]);
    assert.deepEqual(h.handed.at(-1), { totals: { a: 2.5, b: 1 }, dayStartMs: day, asOfMs: day + 10 * hour });
  } finally {
    await h.sync.stop();
  }
});

test('a new UTC day is read from its start, without yesterday\'s totals', async () => {
  const h = harness([window(day + 9 * hour, { a: 2 }), window(day + 24 * hour + 60_000, { a: 0.25 })]);
  try {
    await h.sync.syncNow();
    h.advance(15 * hour);
    await h.sync.syncNow();
    assert.deepEqual(h.queries[1], { dayStartMs: day + 24 * hour, insertedAfterMs: day + 23 * hour });
    assert.deepEqual(h.handed.at(-1), { totals: { a: 0.25 }, dayStartMs: day + 24 * hour, asOfMs: day + 24 * hour + 60_000 });
  } finally {
    await h.sync.stop();
  }
});

test('a failed read keeps the totals, is logged once per outage, and the next read resumes from the same point', async () => {
  const h = harness([window(day + 9 * hour, { a: 2 }), new Error('collector down'), new Error('still down'), window(day + 10 * hour, { a: 1 })]);
  try {
    assert.equal(await h.sync.syncNow(), true);
    assert.equal(await h.sync.syncNow(), false);
    assert.equal(await h.sync.syncNow(), false);
    assert.equal(h.handed.length, 1, 'nothing handed on while failing');
    assert.equal(await h.sync.syncNow(), true);
    assert.deepEqual(h.queries.map((q) => q.insertedAfterMs), [day - hour, day + 9 * hour, day + 9 * hour, day + 9 * hour]);
    assert.deepEqual(h.handed.at(-1)?.totals, { a: 3 });
    assert.deepEqual(
      h.logged.filter((m) => /shadow spend/.test(m)),
      ["cannot read stored shadow spend: shadow budgets count this router's calls only until it can; retrying", 'stored shadow spend readable again'],
    );
  } finally {
    await h.sync.stop();
  }
});

test('reads do not overlap: a second call while one runs shares it', async () => {
  const h = harness([window(day + 9 * hour, { a: 1 })]);
  try {
    const [first, second] = await Promise.all([h.sync.syncNow(), h.sync.syncNow()]);
    assert.deepEqual([first, second, h.queries.length], [true, true, 1]);
  } finally {
    await h.sync.stop();
  }
});

test('metrics: the age of the last good read (from the start until one succeeds) and a count of failed reads', async () => {
  const h = harness([new Error('collector down'), window(day + 9 * hour, { a: 1 }), new Error('down again'), new Error('still down')]);
  try {
    h.advance(90_000);
    assert.equal(await h.sync.syncNow(), false);
    assert.equal(await h.metric('warmpath_shadow_spend_age_seconds'), 90, 'never read: the age counts from the start');
    assert.equal(await h.metric('warmpath_shadow_spend_read_failures_total'), 1);
    h.advance(30_000);
    assert.equal(await h.sync.syncNow(), true);
    assert.equal(await h.metric('warmpath_shadow_spend_age_seconds'), 0);
    h.advance(30_000);
    await h.sync.syncNow();
    h.advance(30_000);
    await h.sync.syncNow();
    assert.equal(await h.metric('warmpath_shadow_spend_age_seconds'), 60);
    assert.equal(await h.metric('warmpath_shadow_spend_read_failures_total'), 3, 'every failed read counts, not only the first of an outage');
  } finally {
    await h.sync.stop();
  }
});
