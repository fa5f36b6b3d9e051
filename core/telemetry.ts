// warmpath's own telemetry: traces (GenAI semantic conventions) and metrics named
// `warmpath_*`. Metrics are always served as Prometheus text on the admin listener's
// /metrics; traces and metrics also go out over OTLP/HTTP when `telemetry.otlp_endpoint`
// is set. A process starts it once through @opentelemetry/sdk-node (startProcessTelemetry);
// tests and embedders build private providers (createTelemetry) so several can coexist.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics, trace, ProxyTracerProvider, type Meter, type Tracer } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { SummedHistograms, bindSummedHistograms } from './summed-histogram.ts';

export interface Telemetry {
  readonly meter: Meter;
  readonly tracer: Tracer;
  /** Writes the Prometheus text exposition to a raw response. */
  serveMetrics(request: IncomingMessage, response: ServerResponse): void;
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  readonly serviceName: string;
  /** OTLP/HTTP base URL, e.g. http://collector:4318 (traces to /v1/traces, metrics to /v1/metrics). */
  readonly otlpEndpoint?: string | undefined;
  /** Extra span processors (tests pass an in-memory exporter's). */
  readonly spanProcessors?: readonly SpanProcessor[];
}

/** The readers, and the summed histograms each of them collects besides the SDK's instruments. */
function readers(options: TelemetryOptions): { prometheus: PrometheusExporter; all: IMetricReader[]; histograms: SummedHistograms } {
  const histograms = new SummedHistograms();
  const metricProducers = [histograms];
  const prometheus = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, metricProducers });
  const all: IMetricReader[] = [prometheus];
  if (options.otlpEndpoint !== undefined) {
    const exporter = new OTLPMetricExporter({ url: `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/metrics` });
    all.push(new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 15_000, metricProducers }));
  }
  return { prometheus, all, histograms };
}

function spanProcessors(options: TelemetryOptions): SpanProcessor[] {
  const processors = [...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint !== undefined) {
    processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces` }) }));
  }
  return processors;
}

/** With nothing to export spans to, the request path gets the no-op tracer: no span costs. */
const noopTracer = new ProxyTracerProvider().getTracer('warmpath');

/** Private providers, no globals: several instances can live in one process. */
export function createTelemetry(options: TelemetryOptions): Telemetry {
  const { prometheus, all, histograms } = readers(options);
  const resource = resourceFromAttributes({ 'service.name': options.serviceName });
  const meterProvider = new MeterProvider({ resource, readers: all });
  const processors = spanProcessors(options);
  const tracerProvider = processors.length === 0 ? undefined : new TracerProvider({ resource, spanProcessors: processors });
  let stopped: Promise<void> | undefined;
  const meter = meterProvider.getMeter('warmpath');
  bindSummedHistograms(meter, histograms);
  return {
    meter,
    tracer: tracerProvider?.getTracer('warmpath') ?? noopTracer,
    serveMetrics: (request, response) => prometheus.getMetricsRequestHandler(request, response),
    shutdown: () => (stopped ??= Promise.all([meterProvider.shutdown(), tracerProvider?.shutdown()]).then(() => undefined)),
  };
}

/** The process-wide SDK, started before the app (`warmpath start|router|collector|evaluator`). */
export async function startProcessTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  // Loaded by the serving verbs only: with its exporters for every protocol it took ~0.2 s
  // of every CLI verb's start-up.
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const { prometheus, all, histograms } = readers(options);
  const processors = spanProcessors(options);
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    metricReaders: all,
    spanProcessors: processors,
    instrumentations: [],
    autoDetectResources: false,
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  const meter = metrics.getMeter('warmpath');
  bindSummedHistograms(meter, histograms);
  return {
    meter,
    tracer: processors.length === 0 ? noopTracer : trace.getTracer('warmpath'),
    serveMetrics: (request, response) => prometheus.getMetricsRequestHandler(request, response),
    shutdown: () => (stopped ??= sdk.shutdown()),
  };
}
