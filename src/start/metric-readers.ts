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
      result.readers.push(new PeriodicExportingMetricReader({ exporter: otlpMetricExporter(config.otlpMetricsProtocol) }));
    } else if (name === 'console') {
      result.readers.push(new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter() }));
    } else {
      diag.warn(`spanlens: OTEL_METRICS_EXPORTER value "${name}" is not supported (expected prometheus, otlp, console or none); skipping it`);
    }
  }
  return result;
}

function otlpMetricExporter(protocol: string): PushMetricExporter {
  switch (protocol) {
    case 'grpc':
      return new OTLPGrpcMetricExporter();
    case 'http/json':
      return new OTLPJsonMetricExporter();
    case 'http/protobuf':
      return new OTLPProtoMetricExporter();
    default:
      diag.warn(`spanlens: OTLP metrics protocol "${protocol}" is not supported; using the default http/protobuf`);
      return new OTLPProtoMetricExporter();
  }
}
