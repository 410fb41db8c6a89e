import { diag } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordExporter, LogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { SpanlensConfig } from '../config/config.js';
import { loadModule } from './load-module.js';

type SdkLogsModule = typeof import('@opentelemetry/sdk-logs');
type OtlpLogExporterClass = new (options: { url?: string }) => LogRecordExporter;

/** The package of the OTLP log exporter of each protocol, loaded only for the protocol asked. */
const OTLP_LOG_EXPORTERS = new Map<string, () => OtlpLogExporterClass>([
  ['grpc', () => loadModule<typeof import('@opentelemetry/exporter-logs-otlp-grpc')>('@opentelemetry/exporter-logs-otlp-grpc').OTLPLogExporter],
  ['http/json', () => loadModule<typeof import('@opentelemetry/exporter-logs-otlp-http')>('@opentelemetry/exporter-logs-otlp-http').OTLPLogExporter],
  ['http/protobuf', () => loadModule<typeof import('@opentelemetry/exporter-logs-otlp-proto')>('@opentelemetry/exporter-logs-otlp-proto').OTLPLogExporter],
]);

/**
 * The logs pipeline `OTEL_LOGS_EXPORTER` asks for (`otlp`, `console`), as NodeSDK builds it, or undefined
 * when none of its exporters could be created. Only then are the logs SDK and the exporter of the
 * protocol loaded, and synchronously: log records the app emits from its first statement on are kept.
 */
export function createLoggerProvider(config: SpanlensConfig, resource: Resource, selfMetrics: MeterProvider | undefined): LoggerProvider | undefined {
  const sdkLogs = loadModule<SdkLogsModule>('@opentelemetry/sdk-logs');
  const processors: LogRecordProcessor[] = [];
  for (const name of config.logsExporters) {
    if (name === 'otlp') {
      const exporter = otlpLogExporter(config.otlpLogsProtocol, config.otlpLogsUrl);
      if (exporter !== undefined) {
        processors.push(new sdkLogs.BatchLogRecordProcessor({ exporter, selfObsMeterProvider: selfMetrics, ...config.batchLogRecordProcessor }));
      }
    } else if (name === 'console') {
      processors.push(new sdkLogs.SimpleLogRecordProcessor({ exporter: new sdkLogs.ConsoleLogRecordExporter(), selfObsMeterProvider: selfMetrics }));
    } else {
      diag.warn(`spanlens: OTEL_LOGS_EXPORTER value "${name}" is not supported (expected otlp, console or none); skipping it`);
    }
  }
  if (processors.length === 0) return undefined;
  return new sdkLogs.LoggerProvider({ resource, processors, logRecordLimits: config.logRecordLimits, meterProvider: selfMetrics });
}

/**
 * The OTLP log exporter of `protocol`; it reads the `OTEL_EXPORTER_OTLP_*` variables itself unless `url`
 * replaces an invalid endpoint. An exporter that cannot be loaded or created costs the logs, nothing else.
 */
function otlpLogExporter(protocol: string, url: string | undefined): LogRecordExporter | undefined {
  let load = OTLP_LOG_EXPORTERS.get(protocol);
  if (load === undefined) {
    diag.warn(`spanlens: OTLP logs protocol "${protocol}" is not supported; using the default http/protobuf`);
    load = OTLP_LOG_EXPORTERS.get('http/protobuf')!;
  }
  try {
    const OTLPLogExporter = load();
    return new OTLPLogExporter(url === undefined ? {} : { url });
  } catch (error) {
    diag.warn(`spanlens: the OTLP log exporter could not be created; logs are not exported: ${String(error)}`);
    return undefined;
  }
}
