import { diag } from '@opentelemetry/api';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  ConsoleMetricExporter,
  type IMetricReader,
  type PushMetricExporter,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { SpanlensConfig } from '../config/config.js';
import { loadModule } from './load-module.js';

export interface MetricReaders {
  readers: IMetricReader[];
  /** Present when `prometheus` is enabled: served by spanlens' own metrics server. */
  prometheus: PrometheusExporter | undefined;
}

type OtlpMetricExporterClass = new (options: { url?: string }) => PushMetricExporter;

/**
 * The package of the OTLP metric exporter of each protocol, loaded only for the protocol asked. It loads
 * at start, not at the first export: the periodic reader asks the exporter for its temporality (from
 * `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`) when it is created.
 */
const OTLP_METRIC_EXPORTERS = new Map<string, () => OtlpMetricExporterClass>([
  ['grpc', () => loadModule<typeof import('@opentelemetry/exporter-metrics-otlp-grpc')>('@opentelemetry/exporter-metrics-otlp-grpc').OTLPMetricExporter],
  ['http/json', () => loadModule<typeof import('@opentelemetry/exporter-metrics-otlp-http')>('@opentelemetry/exporter-metrics-otlp-http').OTLPMetricExporter],
  ['http/protobuf', () => loadModule<typeof import('@opentelemetry/exporter-metrics-otlp-proto')>('@opentelemetry/exporter-metrics-otlp-proto').OTLPMetricExporter],
]);

/** The metric readers named by `OTEL_METRICS_EXPORTER` (spanlens default `prometheus`). */
export function createMetricReaders(config: SpanlensConfig): MetricReaders {
  const result: MetricReaders = { readers: [], prometheus: undefined };
  const names = config.metricsExporters;
  if (names.includes('none')) return result;
  for (const name of names) {
    if (name === 'prometheus') {
      const { PrometheusExporter } = loadModule<typeof import('@opentelemetry/exporter-prometheus')>('@opentelemetry/exporter-prometheus');
      // The exporter's own server cannot serve /stats, so spanlens serves its handler instead.
      result.prometheus = new PrometheusExporter({ preventServerStart: true });
      result.readers.push(result.prometheus);
    } else if (name === 'otlp') {
      const exporter = otlpMetricExporter(config.otlpMetricsProtocol, config.otlpMetricsUrl);
      if (exporter !== undefined) result.readers.push(periodicReader(exporter, config));
    } else if (name === 'console') {
      result.readers.push(periodicReader(new ConsoleMetricExporter(), config));
    } else {
      diag.warn(`spanlens: OTEL_METRICS_EXPORTER value "${name}" is not supported (expected prometheus, otlp, console or none); skipping it`);
    }
  }
  return result;
}

/** A reader pushing every `OTEL_METRIC_EXPORT_INTERVAL`, waiting at most `OTEL_METRIC_EXPORT_TIMEOUT` for an export. */
function periodicReader(exporter: PushMetricExporter, config: SpanlensConfig): PeriodicExportingMetricReader {
  return new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: config.metricExportIntervalMs,
    exportTimeoutMillis: config.metricExportTimeoutMs,
  });
}

/**
 * The OTLP metric exporter of `protocol`; it reads the `OTEL_EXPORTER_OTLP_*` variables itself unless
 * `url` replaces an invalid endpoint. An exporter that cannot be loaded or created costs the OTLP
 * metrics, nothing else.
 */
function otlpMetricExporter(protocol: string, url: string | undefined): PushMetricExporter | undefined {
  let load = OTLP_METRIC_EXPORTERS.get(protocol);
  if (load === undefined) {
    diag.warn(`spanlens: OTLP metrics protocol "${protocol}" is not supported; using the default http/protobuf`);
    load = OTLP_METRIC_EXPORTERS.get('http/protobuf')!;
  }
  try {
    const OTLPMetricExporter = load();
    return new OTLPMetricExporter(url === undefined ? {} : { url });
  } catch (error) {
    diag.warn(`spanlens: the OTLP metric exporter could not be created; metrics are not pushed: ${String(error)}`);
    return undefined;
  }
}
