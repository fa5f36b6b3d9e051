// A histogram aggregated in the process and handed to the metric readers as a
// MetricProducer: the same `*_bucket`, `*_sum` and `*_count` series on /metrics and over
// OTLP as a synchronous OpenTelemetry histogram. A synchronous histogram hashes its
// attribute object, reads the clock and runs its storage pipeline on every record: the
// router's two histograms cost it 2-7% of its requests per CPU-second (`bench:duo`,
// BENCHMARKS.md fourteenth look). Here a record is one Map lookup by a key the caller
// builds from the same values, and a bucket search.
//
// The series are cumulative from the first record, whatever temporality a reader prefers.

import { ValueType, type Attributes, type Meter } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type HistogramMetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';

export interface SummedHistogram {
  /** Adds `value` to the series `key` names; `attributes` label it when it is first seen. */
  record(key: string, attributes: Attributes, value: number): void;
}

export interface SummedHistogramOptions {
  readonly description: string;
  /** Upper bounds of the buckets, ascending; a last bucket above them is implied. */
  readonly boundaries: readonly number[];
}

interface Series {
  readonly attributes: Attributes;
  readonly startMs: number;
  /** counts[i] holds values ≤ boundaries[i] and > boundaries[i - 1]; the last, values above all. */
  readonly counts: number[];
  count: number;
  sum: number;
  min: number;
  max: number;
}

interface Instrument {
  readonly name: string;
  readonly options: SummedHistogramOptions;
  readonly series: Map<string, Series>;
}

/** The histograms of one telemetry instance, read by each of its metric readers. */
export class SummedHistograms implements MetricProducer {
  readonly #instruments: Instrument[] = [];

  create(name: string, options: SummedHistogramOptions): SummedHistogram {
    const boundaries = options.boundaries;
    for (let i = 1; i < boundaries.length; i += 1) {
      if (!((boundaries[i] as number) > (boundaries[i - 1] as number))) throw new RangeError(`${name}: bucket boundaries must ascend`);
    }
    const series = new Map<string, Series>();
    this.#instruments.push({ name, options, series });
    return {
      record(key, attributes, value) {
        let s = series.get(key);
        if (s === undefined) {
          s = { attributes, startMs: Date.now(), counts: new Array<number>(boundaries.length + 1).fill(0), count: 0, sum: 0, min: Infinity, max: -Infinity };
          series.set(key, s);
        }
        let bucket = 0;
        while (bucket < boundaries.length && value > (boundaries[bucket] as number)) bucket += 1;
        s.counts[bucket] = (s.counts[bucket] as number) + 1;
        s.count += 1;
        s.sum += value;
        if (value < s.min) s.min = value;
        if (value > s.max) s.max = value;
      },
    };
  }

  collect(): Promise<CollectionResult> {
    const endTime = millisToHrTime(Date.now());
    const metrics: HistogramMetricData[] = [];
    for (const instrument of this.#instruments) {
      if (instrument.series.size === 0) continue;
      metrics.push({
        descriptor: { name: instrument.name, description: instrument.options.description, unit: '', valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: [...instrument.series.values()].map((s) => ({
          attributes: s.attributes,
          startTime: millisToHrTime(s.startMs),
          endTime,
          value: {
            buckets: { boundaries: [...instrument.options.boundaries], counts: [...s.counts] },
            count: s.count,
            sum: s.sum,
            min: s.min,
            max: s.max,
          },
        })),
      });
    }
    return Promise.resolve({
      resourceMetrics: { resource: emptyResource(), scopeMetrics: metrics.length === 0 ? [] : [{ scope: { name: 'warmpath' }, metrics }] },
      errors: [],
    });
  }
}

const registries = new WeakMap<Meter, SummedHistograms>();

/** Binds `meter` to the histograms its telemetry's readers collect (core/telemetry.ts). */
export function bindSummedHistograms(meter: Meter, histograms: SummedHistograms): void {
  registries.set(meter, histograms);
}

/**
 * A summed histogram on `meter`'s readers. A meter that no telemetry bound (a test's own
 * MeterProvider, the no-op meter) gets an ordinary synchronous histogram: same series.
 */
export function createSummedHistogram(meter: Meter, name: string, options: SummedHistogramOptions): SummedHistogram {
  const registry = registries.get(meter);
  if (registry !== undefined) return registry.create(name, options);
  const histogram = meter.createHistogram(name, { description: options.description, advice: { explicitBucketBoundaries: [...options.boundaries] } });
  return { record: (_key, attributes, value) => histogram.record(value, attributes) };
}
