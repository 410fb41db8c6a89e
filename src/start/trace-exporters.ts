import { diag } from '@opentelemetry/api';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { SpanlensConfig } from '../config/config.js';
import { warnOnce } from '../diag-once.js';
import { KeptTraceProcessor } from '../processors/kept-trace-processor.js';
import { DeferredSpanExporter } from './deferred-span-exporter.js';

type OtlpTraceExporterClass = new (options: { url?: string }) => SpanExporter;

/** The OTLP trace exporter of each protocol, imported only when spans are first exported over it. */
const OTLP_TRACE_EXPORTERS = new Map<string, () => Promise<OtlpTraceExporterClass>>([
  ['grpc', async () => (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter],
  ['http/json', async () => (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter],
  ['http/protobuf', async () => (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter],
]);

/**
 * The exporting span processors named by `OTEL_TRACES_EXPORTER`: `otlp` (default, over the protocol of
 * `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`/`_PROTOCOL`), `console`, `none`, comma lists. Behind one
 * {@link KeptTraceProcessor} when `SPANLENS_KEEP_TRACES` can keep anything; they must come after the
 * statistics processor.
 */
export function createExportingSpanProcessors(config: SpanlensConfig): SpanProcessor[] {
  const processors = exportingProcessorsNamed(config);
  // Without recordAll a dropped trace's spans are never recorded, and always_on drops none: nothing to keep.
  const keeping = processors.length > 0 && config.keepTraces.length > 0 && config.recordAll && config.tracesSampler !== 'always_on';
  return keeping ? [new KeptTraceProcessor(processors, config.keepTraces)] : processors;
}

function exportingProcessorsNamed(config: SpanlensConfig): SpanProcessor[] {
  let names = config.tracesExporters;
  if (names.includes('none')) {
    if (names.length === 1) return [];
    diag.warn(`spanlens: OTEL_TRACES_EXPORTER lists "none" with other exporters; ignoring "none"`);
    names = names.filter((name) => name !== 'none');
  }
  const processors: SpanProcessor[] = [];
  for (const name of names) {
    if (name === 'otlp') {
      const exporter = otlpTraceExporter(config.otlpTracesProtocol, config.otlpTracesUrl);
      processors.push(new BatchSpanProcessor({ exporter, ...config.batchSpanProcessor }));
    } else if (name === 'console') {
      processors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
    } else {
      diag.warn(`spanlens: OTEL_TRACES_EXPORTER value "${name}" is not supported (expected otlp, console or none); skipping it`);
    }
  }
  return processors;
}

/**
 * The OTLP trace exporter of `protocol`, created at the first export; it reads the `OTEL_EXPORTER_OTLP_*`
 * variables itself unless `url` replaces an invalid endpoint. An exporter that cannot be loaded or
 * created costs the traces, never statistics and metrics.
 */
function otlpTraceExporter(protocol: string, url: string | undefined): SpanExporter {
  let load = OTLP_TRACE_EXPORTERS.get(protocol);
  if (load === undefined) {
    diag.warn(`spanlens: OTLP traces protocol "${protocol}" is not supported; using the default http/protobuf`);
    load = OTLP_TRACE_EXPORTERS.get('http/protobuf')!;
  }
  const options = url === undefined ? {} : { url };
  return new DeferredSpanExporter(async () => {
    try {
      const OTLPTraceExporter = await load();
      return new OTLPTraceExporter(options);
    } catch (error) {
      warnOnce('trace-exporter', 'the OTLP trace exporter could not be created; traces are not exported', error);
      return undefined;
    }
  });
}
