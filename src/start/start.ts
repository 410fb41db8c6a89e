import { DiagConsoleLogger, type DiagLogLevel, diag } from '@opentelemetry/api';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { type SpanlensConfig, type SpanlensOptions, readConfig, readLogLevel } from '../config/config.js';
import { RequestStatisticsProcessor } from '../processors/request-statistics-processor.js';
import { RouteLabels } from '../processors/route-labels.js';
import { NPlusOneDetector } from '../detection/index.js';
import { SqlFingerprinter } from '../sql/index.js';
import { StatisticsStore } from '../stats/statistics-store.js';
import type { Statistics } from '../stats/statistics.js';
import { warnOnce } from '../diag-once.js';
import { VERSION } from '../version.js';
import { joinCluster } from '../cluster/cluster-mode.js';
import { installSdkErrorHandler, reportSdkError } from './error-handler.js';
import { createInstrumentations } from './instrumentations.js';
import { createMetricReaders } from './metric-readers.js';
import { MetricsServer, type RouteHandler } from './metrics-server.js';
import { RepeatSuppressingLogger } from './repeat-suppressing-logger.js';
import { ResponseHeaders } from './response-headers.js';
import { assembleSdk } from './sdk-assembly.js';
import { labelUpstreamRoute } from './upstream-route.js';
import { createExportingSpanProcessors } from './trace-exporters.js';

/** What `start()` returns. */
export interface SpanlensHandle {
  /** Flushes spans and metrics, stops the metrics server. Safe to call more than once. */
  shutdown(): Promise<void>;
  /** Exports the spans and metrics recorded so far and goes on recording (a drain). Never rejects. */
  forceFlush(): Promise<void>;
  /** The per-endpoint snapshot that `GET /stats` serves (empty when spanlens is disabled). */
  statistics(): Statistics;
  /** The processor deriving per-request statistics, for tests and advanced users. */
  readonly requestStatistics: RequestStatisticsProcessor | undefined;
  /**
   * Resolves once the metrics server listens (or failed to), with the metrics port when it listens. The
   * SQL parser is not waited for: it loads when the app loads `pg` (see src/sql/fingerprinter.ts).
   */
  readonly ready: Promise<number | undefined>;
}

// OpenTelemetry's own default when no service name is given.
const DEFAULT_SERVICE_NAME = 'unknown_service:node';
const STARTED = Symbol.for('spanlens.started');
type GlobalWithHandle = typeof globalThis & { [STARTED]?: SpanlensHandle };

/**
 * Starts spanlens: the OpenTelemetry SDK with the request statistics processor, the exporters named by
 * the standard variables, the instrumentations, and the metrics server. A second call returns the first
 * handle. Never throws: on failure it reports through `diag` and the app runs uninstrumented.
 */
export function start(givenOptions?: SpanlensOptions): SpanlensHandle {
  const options: SpanlensOptions = typeof givenOptions === 'object' && givenOptions !== null ? givenOptions : {};
  const global = globalThis as GlobalWithHandle;
  const running = global[STARTED];
  if (running !== undefined) {
    if (Object.keys(options).length > 0) warnOnce('start.again', 'start() was called again; spanlens is already running and keeps its first options');
    return running;
  }
  let handle: SpanlensHandle;
  try {
    installDiagLogger();
    handle = startSdk(readConfig(undefined, options));
  } catch (error) {
    diag.error(`spanlens: could not start; the app runs without it: ${String(error)}`);
    handle = inactiveHandle(options.serviceName ?? DEFAULT_SERVICE_NAME);
  }
  global[STARTED] = handle;
  return handle;
}

function startSdk(config: SpanlensConfig): SpanlensHandle {
  if (config.sdkDisabled) {
    diag.info('spanlens: OTEL_SDK_DISABLED=true; nothing started');
    return inactiveHandle(serviceNameOf(config));
  }
  installSdkErrorHandler();
  // The SQL parser (WebAssembly, 20 MiB) loads when the app loads pg (onPgLoad below) or runs a statement.
  const fingerprinter = new SqlFingerprinter({ loadOnFirstStatement: true, baselineWebAssembly: !config.wasmTierUp });
  const nPlusOneDetector = new NPlusOneDetector({
    minRepeats: config.nPlusOneMinRepeats,
    minDurationMs: config.nPlusOneMinDurationMs,
    ignore: config.nPlusOneIgnore,
  });
  for (const pattern of nPlusOneDetector.invalidIgnorePatterns) {
    diag.warn(`spanlens: SPANLENS_N_PLUS_ONE_IGNORE entry ${JSON.stringify(pattern)} is not a valid regular expression; ignoring it`);
  }
  const routeLabels = new RouteLabels(config.maxRoutes);
  const requestStatistics = new RequestStatisticsProcessor({
    slowQueryThresholdMs: config.slowQueryThresholdMs,
    slowRequestThresholdMs: config.slowRequestThresholdMs,
    maxRoutes: config.maxRoutes,
    routeLabels,
    fingerprinter,
    nPlusOneDetector,
    dbQueryText: config.dbQueryText,
  });
  const statisticsStore = new StatisticsStore({ service: serviceNameOf(config), maxRoutes: config.maxRoutes });
  requestStatistics.onRequestEnd((summary) => statisticsStore.record(summary));
  const spanProcessors: SpanProcessor[] = [requestStatistics, ...createExportingSpanProcessors(config)];
  const { readers, prometheus } = createMetricReaders(config);

  const responseHeaders =
    config.responseHeaders === 'off'
      ? undefined
      : new ResponseHeaders(config.responseHeaders, (spanId) => requestStatistics.progressOf(spanId));
  const routes: Record<string, RouteHandler> = {
    '/stats': (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      response.end(JSON.stringify(statisticsStore.snapshot()));
    },
  };
  if (prometheus !== undefined) {
    let resourceSettled: Promise<void> | undefined;
    routes['/metrics'] = async (request, response) => {
      await (resourceSettled ??= settleResource(prometheus));
      prometheus.getMetricsRequestHandler(request, response);
    };
  }
  // Under node:cluster a worker serves no port and its primary serves the totals of all (src/cluster).
  const membership = joinCluster(config, { routes, statisticsStore, prometheus, service: serviceNameOf(config) });
  const metricsServer = new MetricsServer(membership.routes);
  const instrumentations = createInstrumentations(config, {
    ignoreIncomingRequest: (request) => metricsServer.owns(request),
    onIncomingRequest: (span, request) => responseHeaders?.rememberServerSpan(span, request),
    onServerResponse: (response) => labelUpstreamRoute(response, routeLabels),
    onQueryStart: (span, text) => requestStatistics.queryStarted(span as Span, text),
    onPoolQuery: (text) => requestStatistics.poolQueryIssued(text),
    onPgLoad: () => void fingerprinter.load(),
  });

  const sdk = assembleSdk(config, { spanProcessors, metricReaders: readers, instrumentations });
  responseHeaders?.install();
  const listening =
    membership.metricsPort === undefined
      ? Promise.resolve(false)
      : metricsServer.listen(config.metricsHost, membership.metricsPort, membership.portAdvice);
  const ready = listening.then(
    (ok) => (ok ? metricsServer.port : undefined),
    () => undefined,
  );
  diag.debug(
    `spanlens ${VERSION} started: traces=${config.tracesExporters.join(',')} metrics=${config.metricsExporters.join(',')} ` +
      `instrumentations=${instrumentations.map((i) => i.instrumentationName).join(',')}`,
  );

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    membership.stop();
    stopping ??= settle([...sdk.shutdown(), metricsServer.close()]);
    return stopping;
  };
  let flushing: Promise<void> | undefined;
  const forceFlush = (): Promise<void> => {
    if (stopping !== undefined) return stopping;
    // One flush at a time: a flush asked for during another is covered by the next one.
    flushing ??= settle([...[...spanProcessors, ...readers].map((part) => part.forceFlush()), sdk.forceFlushLogs()]).finally(
      () => (flushing = undefined),
    );
    return flushing;
  };
  return { shutdown, forceFlush, statistics: () => statisticsStore.snapshot(), requestStatistics, ready };
}

/** Waits for all of them; a failure is reported once per kind, never thrown. */
async function settle(work: Promise<unknown>[]): Promise<void> {
  for (const result of await Promise.allSettled(work)) {
    if (result.status === 'rejected') reportSdkError(result.reason);
  }
}

/**
 * spanlens reports its own problems (a bad variable, a taken port) through `diag`; without a logger
 * nobody would see them, so it installs a console logger at `OTEL_LOG_LEVEL` (default `warn`). An app
 * that wants its own calls `diag.setLogger` after `start()`.
 */
function installDiagLogger(): void {
  const { level, invalid } = readLogLevel();
  setConsoleLogger(level);
  if (invalid !== undefined) diag.warn(`spanlens: OTEL_LOG_LEVEL=${JSON.stringify(invalid)} is not valid; using the default warn`);
}

/** A console logger that writes each of the SDK's warnings once (see {@link RepeatSuppressingLogger}). */
function setConsoleLogger(level: DiagLogLevel): void {
  diag.setLogger(new RepeatSuppressingLogger(new DiagConsoleLogger()), { logLevel: level, suppressOverrideMessage: true });
}

function serviceNameOf(config: SpanlensConfig): string {
  return config.serviceName ?? DEFAULT_SERVICE_NAME;
}

/** The handle of a spanlens that did not start: nothing to flush, no requests seen. */
function inactiveHandle(service: string): SpanlensHandle {
  const empty = new StatisticsStore({ service });
  return {
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
    statistics: () => empty.snapshot(),
    requestStatistics: undefined,
    ready: Promise.resolve(undefined),
  };
}

/**
 * Waits for the resource's asynchronous attributes (such as `host.id`): the Prometheus exporter reads
 * them for `target_info` and logs an error when they are still pending.
 */
async function settleResource(prometheus: PrometheusExporter): Promise<void> {
  try {
    const { resourceMetrics } = await prometheus.collect();
    await resourceMetrics.resource.waitForAsyncAttributes?.();
  } catch {
    // Serving metrics matters more than a complete target_info.
  }
}
