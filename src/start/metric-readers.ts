import { diag } from '@opentelemetry/api';
import { OTLPMetricExporter as OTLPGrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as OTLPJsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  ConsoleMetricExporter,
  type IMetricReader,
  type PushMetricExporter,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { SpanlensConfig } from '../config/config.js';

export interface MetricReaders {
  readers: IMetricReader[];
  /** Present when `prometheus` is enabled: served by spanlens' own metrics server. */
  prometheus: PrometheusExporter | undefined;
}

/** The metric readers named by `OTEL_METRICS_EXPORTER` (spanlens default `prometheus`). */
export function createMetricReaders(config: SpanlensConfig): MetricReaders {
  const result: MetricReaders = { readers: [], prometheus: undefined };
  const names = config.metricsExporters;
  if (names.includes('none')) return result;
  for (const name of names) {
    if (name === 'prometheus') {
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
 * `url` replaces an invalid endpoint. A constructor that throws costs the OTLP metrics, nothing else.
 */
function otlpMetricExporter(protocol: string, url: string | undefined): PushMetricExporter | undefined {
  const options = url === undefined ? {} : { url };
  try {
    switch (protocol) {
      case 'grpc':
        return new OTLPGrpcMetricExporter(options);
      case 'http/json':
        return new OTLPJsonMetricExporter(options);
      case 'http/protobuf':
        return new OTLPProtoMetricExporter(options);
      default:
        diag.warn(`spanlens: OTLP metrics protocol "${protocol}" is not supported; using the default http/protobuf`);
        return new OTLPProtoMetricExporter(options);
    }
  } catch (error) {
    diag.warn(`spanlens: the OTLP metric exporter could not be created; metrics are not pushed: ${String(error)}`);
    return undefined;
  }
}
