import { context, logs, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import type { LoggerProvider } from '@opentelemetry/sdk-logs';
import { type IMetricReader, MeterProvider } from '@opentelemetry/sdk-metrics';
import { type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { SpanlensConfig } from '../config/config.js';
import { createLoggerProvider } from './logs-pipeline.js';
import { createPropagator } from './propagators.js';
import { createResource } from './resource-detectors.js';
import { createSampler } from './sampler.js';

/** The parts spanlens made from its configuration, for the SDK to run. */
export interface SdkParts {
  spanProcessors: SpanProcessor[];
  metricReaders: IMetricReader[];
  instrumentations: Instrumentation[];
}

/** The running SDK: its providers are registered with the OpenTelemetry API. */
export interface AssembledSdk {
  /** Stops the providers, which flush and stop their processors, readers and exporters: one promise each, so that every failure is seen. */
  shutdown(): Promise<void>[];
  /** Exports the log records emitted so far (span processors and metric readers are flushed by their owner). */
  forceFlushLogs(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK from its parts, as NodeSDK 0.301's `start()` does, without importing what
 * NodeSDK imports for every setting (each exporter of each signal and protocol, the logs SDK, B3,
 * Zipkin, the file configuration's YAML parser): instrumentations first (they get the API's proxies,
 * which delegate once the providers are registered), the AsyncLocalStorage context manager, the
 * propagator, the resource, then the meter, tracer and logger providers.
 */
export function assembleSdk(config: SpanlensConfig, parts: SdkParts): AssembledSdk {
  const { spanProcessors, metricReaders, instrumentations } = parts;
  registerInstrumentations({ instrumentations });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const propagator = createPropagator(config.propagators);
  if (propagator !== null) propagation.setGlobalPropagator(propagator);
  const resource = createResource(config.serviceName, config.resourceDetectors);

  let meterProvider: MeterProvider | undefined;
  if (metricReaders.length > 0) {
    meterProvider = new MeterProvider({ resource, readers: metricReaders, sdkMetricsEnabled: config.sdkSelfMetrics });
    metrics.setGlobalMeterProvider(meterProvider);
    // The instrumentations were given the no-op meter provider that was global when they were registered.
    for (const instrumentation of instrumentations) instrumentation.setMeterProvider(metrics.getMeterProvider());
  }
  const selfMetrics = config.sdkSelfMetrics ? meterProvider : undefined;
  const tracerProvider = new TracerProvider({
    resource,
    sampler: createSampler(config),
    spanLimits: config.spanLimits,
    spanProcessors,
    meterProvider: selfMetrics,
  });
  trace.setGlobalTracerProvider(tracerProvider);
  let loggerProvider: LoggerProvider | undefined;
  if (config.logsExporterConfigured) {
    loggerProvider = createLoggerProvider(config, resource, selfMetrics);
    if (loggerProvider !== undefined) logs.setGlobalLoggerProvider(loggerProvider);
  }

  return {
    shutdown: () => [tracerProvider, meterProvider, loggerProvider].flatMap((provider) => provider?.shutdown() ?? []),
    async forceFlushLogs() {
      await loggerProvider?.forceFlush();
    },
  };
}
