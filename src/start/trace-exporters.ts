import { diag } from '@opentelemetry/api';
import { OTLPTraceExporter as OTLPGrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { SpanlensConfig } from '../config/config.js';
import { KeptTraceProcessor } from '../processors/kept-trace-processor.js';

/**
 * The exporting span processors named by `OTEL_TRACES_EXPORTER`. NodeSDK stops reading that variable once
 * it is given span processors, so spanlens rebuilds the standard behaviour: `otlp` (default, over the
 * protocol of `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`/`_PROTOCOL`), `console`, `none`, comma lists. Behind one
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
      if (exporter !== undefined) processors.push(new BatchSpanProcessor({ exporter, ...config.batchSpanProcessor }));
    } else if (name === 'console') {
      processors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
    } else {
      diag.warn(`spanlens: OTEL_TRACES_EXPORTER value "${name}" is not supported (expected otlp, console or none); skipping it`);
    }
  }
  return processors;
}

/**
 * The OTLP trace exporter of `protocol`; it reads the `OTEL_EXPORTER_OTLP_*` variables itself unless
 * `url` replaces an invalid endpoint. A constructor that throws costs the traces, never statistics and metrics.
 */
function otlpTraceExporter(protocol: string, url: string | undefined): SpanExporter | undefined {
  const options = url === undefined ? {} : { url };
  try {
    switch (protocol) {
      case 'grpc':
        return new OTLPGrpcTraceExporter(options);
      case 'http/json':
        return new OTLPJsonTraceExporter(options);
      case 'http/protobuf':
        return new OTLPProtoTraceExporter(options);
      default:
        diag.warn(`spanlens: OTLP traces protocol "${protocol}" is not supported; using the default http/protobuf`);
        return new OTLPProtoTraceExporter(options);
    }
  } catch (error) {
    diag.warn(`spanlens: the OTLP trace exporter could not be created; traces are not exported: ${String(error)}`);
    return undefined;
  }
}
