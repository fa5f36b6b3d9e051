// A monotonic counter summed in the process and reported through an ObservableCounter:
// the same `*_total` series on /metrics and over OTLP as a synchronous counter, for a
// fraction of the cost on a hot path. A synchronous counter hashes its attribute object
// on every add (keys listed, sorted, stringified); the OpenTelemetry calls on the router's
// request path were its largest allocation site after the socket writes. Here an add is
// one Map lookup by a key the caller builds from the same values.

import type { Attributes, Meter, MetricOptions } from '@opentelemetry/api';

export interface SummedCounter {
  /** Adds `value` to the series `key` names; `attributes` label it when it is first seen. */
  add(key: string, attributes: Attributes, value?: number): void;
}

export function createSummedCounter(meter: Meter, name: string, options: MetricOptions): SummedCounter {
  const sums = new Map<string, { readonly attributes: Attributes; value: number }>();
  meter.createObservableCounter(name, options).addCallback((result) => {
    for (const sum of sums.values()) result.observe(sum.value, sum.attributes);
  });
  return {
    add(key, attributes, value = 1) {
      const sum = sums.get(key);
      if (sum === undefined) sums.set(key, { attributes, value });
      else sum.value += value;
    },
  };
}
