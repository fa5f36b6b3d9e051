import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { AggregationTemporality, DataPointType, MeterProvider, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { SummedHistograms, createSummedHistogram } from './summed-histogram.ts';
import { createTelemetry, type Telemetry } from './telemetry.ts';

async function metricsText(telemetry: Telemetry): Promise<string> {
  const server = createServer((req, res) => telemetry.serveMetrics(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`)).text();
  } finally {
    await new Promise((r) => server.close(r));
  }
}

/** The lines of one metric, with its name replaced, so two metrics can be compared. */
function seriesOf(text: string, name: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .map((line) => line.replace(name, 'NAME'));
}

const boundaries = [0.001, 0.01, 0.1, 1];

const cases: { name: string; values: number[]; counts: number[] }[] = [
  { name: 'a value on a boundary counts in the bucket it bounds', values: [0.01], counts: [0, 1, 0, 0, 0] },
  { name: 'below the first boundary', values: [0, 0.0005], counts: [2, 0, 0, 0, 0] },
  { name: 'above the last boundary', values: [1.5, 30], counts: [0, 0, 0, 0, 2] },
  { name: 'spread', values: [0.002, 0.05, 0.05, 0.5, 1], counts: [0, 1, 2, 2, 0] },
];

for (const c of cases) {
  test(`summed histogram buckets: ${c.name}`, async () => {
    const histograms = new SummedHistograms();
    const h = histograms.create('warmpath_test_seconds', { description: 'test', boundaries });
    for (const v of c.values) h.record('r', { route: 'r' }, v);
    const { resourceMetrics } = await histograms.collect();
    const metric = resourceMetrics.scopeMetrics[0]?.metrics[0] as HistogramMetricData;
    assert.equal(metric.dataPointType, DataPointType.HISTOGRAM);
    assert.equal(metric.aggregationTemporality, AggregationTemporality.CUMULATIVE);
    const point = metric.dataPoints[0];
    assert.deepEqual(point?.value.buckets, { boundaries, counts: c.counts });
    assert.equal(point?.value.count, c.values.length);
    assert.equal(point?.value.sum, c.values.reduce((s, v) => s + v, 0));
    assert.equal(point?.value.min, Math.min(...c.values));
    assert.equal(point?.value.max, Math.max(...c.values));
  });
}

test('a summed histogram shows on /metrics exactly as a synchronous OpenTelemetry histogram does', async () => {
  const telemetry = createTelemetry({ serviceName: 'summed-histogram-test' });
  try {
    const summed = createSummedHistogram(telemetry.meter, 'warmpath_test_summed_seconds', { description: 'd', boundaries });
    const reference = telemetry.meter.createHistogram('warmpath_test_reference_seconds', { description: 'd', advice: { explicitBucketBoundaries: boundaries } });
    const records = [
      { route: 'a', outcome: 'ok', value: 0.0004 },
      { route: 'a', outcome: 'ok', value: 0.02 },
      { route: 'b', outcome: 'error', value: 3 },
      { route: 'a', outcome: 'ok', value: 0.1 },
    ];
    for (const r of records) {
      summed.record(`${r.route}|${r.outcome}`, { route: r.route, outcome: r.outcome }, r.value);
      reference.record(r.value, { route: r.route, outcome: r.outcome });
    }
    const text = await metricsText(telemetry);
    assert.match(text, /# TYPE warmpath_test_summed_seconds histogram/);
    const mine = seriesOf(text, 'warmpath_test_summed_seconds');
    assert.equal(mine.length, 2 * (2 + boundaries.length + 1), text);
    assert.deepEqual(mine, seriesOf(text, 'warmpath_test_reference_seconds'));
    assert.ok(mine.includes('NAME_bucket{route="a",outcome="ok",le="0.1"} 3'), mine.join('\n'));
  } finally {
    await telemetry.shutdown();
  }
});

test('a meter no telemetry bound gets an ordinary histogram under the same name', async () => {
  const reader = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const provider = new MeterProvider({ readers: [reader] });
  try {
    const h = createSummedHistogram(provider.getMeter('unbound'), 'warmpath_test_unbound_seconds', { description: 'd', boundaries });
    h.record('x', { route: 'x' }, 0.5);
    h.record('x', { route: 'x' }, 0.05);
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'warmpath_test_unbound_seconds') as HistogramMetricData;
    assert.equal(metric.dataPointType, DataPointType.HISTOGRAM);
    assert.deepEqual(metric.dataPoints[0]?.value.buckets.counts, [0, 0, 1, 1, 0]);
    assert.deepEqual(metric.dataPoints[0]?.attributes, { route: 'x' });
  } finally {
    await provider.shutdown();
  }
});

test('bucket boundaries must ascend', () => {
  assert.throws(() => new SummedHistograms().create('warmpath_bad', { description: 'd', boundaries: [1, 0.5] }), /must ascend/);
});
