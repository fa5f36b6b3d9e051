// warmpath's own metrics: an OpenTelemetry MeterProvider whose Prometheus reader is served
// on the admin listener's /metrics (no extra port). Instruments are named `warmpath_*`.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

export interface Telemetry {
  readonly meter: Meter;
  /** Writes the Prometheus text exposition to a raw response. */
  serveMetrics(request: IncomingMessage, response: ServerResponse): void;
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  readonly serviceName: string;
}

export function createTelemetry(options: TelemetryOptions): Telemetry {
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    readers: [exporter],
  });
  let stopped: Promise<void> | undefined;
  return {
    meter: provider.getMeter('warmpath'),
    serveMetrics: (request, response) => exporter.getMetricsRequestHandler(request, response),
    shutdown: () => (stopped ??= provider.shutdown()),
  };
}
