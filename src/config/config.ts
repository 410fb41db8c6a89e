import { DiagLogLevel, diag } from '@opentelemetry/api';
import { keyPatternProblem } from '../../instrumentations/keyv/explicit-key-patterns.js';

/** What `SPANLENS_RESPONSE_HEADERS` asks spanlens to add to HTTP responses. */
export type ResponseHeadersMode = 'off' | 'server-timing' | 'all';

/** What `SPANLENS_DB_QUERY_TEXT` lets database spans export as `db.query.text`. */
export type DbQueryTextMode = 'sanitized' | 'raw' | 'off';
const DB_QUERY_TEXT_MODES: readonly DbQueryTextMode[] = ['sanitized', 'raw', 'off'];

/** What makes a request's trace worth exporting whole when the head sampler dropped it (`SPANLENS_KEEP_TRACES`). */
export type KeepTraceReason = 'n_plus_one' | 'slow' | 'error';
export const KEEP_TRACE_REASONS: readonly KeepTraceReason[] = ['n_plus_one', 'slow', 'error'];

/** Every setting spanlens reads, in one typed object. Nothing else reads `process.env`. */
export interface SpanlensConfig {
  serviceName: string | undefined;
  slowQueryThresholdMs: number;
  slowRequestThresholdMs: number;
  nPlusOneMinRepeats: number;
  nPlusOneMinDurationMs: number;
  nPlusOneIgnore: string[];
  responseHeaders: ResponseHeadersMode;
  maxRoutes: number;
  recordAll: boolean;
  /**
   * Requests whose trace is exported complete even when the head sampler dropped it, found when their
   * root ends; empty (`none`) keeps nothing. Only recorded spans can be kept: it needs `recordAll`.
   */
  keepTraces: KeepTraceReason[];
  /** `sanitized`: literals replaced by placeholders; `raw`: as the driver gave it; `off`: removed. */
  dbQueryText: DbQueryTextMode;
  /** Leave V8's WebAssembly tier-up on when the SQL parser loads (src/sql/wasm-tiering.ts). */
  wasmTierUp: boolean;
  /** Explicit cache key patterns (`session:{name}`); keys matching none keep only their learned structure. */
  cacheKeyPatterns: string[];
  /** Trace exporter names from `OTEL_TRACES_EXPORTER` (`otlp`, `console`, `none`). */
  tracesExporters: string[];
  /** Metric exporter names from `OTEL_METRICS_EXPORTER` (`prometheus`, `otlp`, `console`, `none`). */
  metricsExporters: string[];
  /** OTLP trace protocol: `http/protobuf`, `http/json` or `grpc`. */
  otlpTracesProtocol: string;
  otlpMetricsProtocol: string;
  /**
   * The endpoint the OTLP trace exporter gets in place of an invalid `OTEL_EXPORTER_OTLP_*ENDPOINT`
   * (which the gRPC exporter would throw on); undefined lets the exporter read the variables itself.
   */
  otlpTracesUrl: string | undefined;
  otlpMetricsUrl: string | undefined;
  /** `OTEL_METRIC_EXPORT_INTERVAL` / `_TIMEOUT`: the periodic (OTLP, console) metric readers' timing. */
  metricExportIntervalMs: number;
  metricExportTimeoutMs: number;
  /**
   * `OTEL_NODE_RESOURCE_DETECTORS` (`env`, `host`, `os`, `process`, `serviceinstance`, `all`, `none`);
   * undefined: spanlens' default, the standard detectors without the attributes that must be opted in to.
   */
  resourceDetectors: string[] | undefined;
  metricsHost: string;
  metricsPort: number;
  /** `OTEL_TRACES_SAMPLER` and its argument; undefined means the SDK default (parent-based, always on). */
  tracesSampler: string | undefined;
  tracesSamplerArg: number | undefined;
  /** `OTEL_BSP_*`: the batch span processor's queue and timing. */
  batchSpanProcessor: {
    maxQueueSize?: number;
    scheduledDelayMillis?: number;
    exportTimeoutMillis?: number;
    maxExportBatchSize?: number;
  };
  enabledInstrumentations: string[] | undefined;
  disabledInstrumentations: string[];
  /** `OTEL_PROPAGATORS` (`PROPAGATOR_NAMES`); undefined: W3C trace context and baggage. */
  propagators: string[] | undefined;
  /** `OTEL_SPAN_*` and `OTEL_ATTRIBUTE_*` limits; an unset one keeps the SDK's default. */
  spanLimits: {
    attributeCountLimit?: number;
    attributeValueLengthLimit?: number;
    eventCountLimit?: number;
    linkCountLimit?: number;
    attributePerEventCountLimit?: number;
    attributePerLinkCountLimit?: number;
  };
  /** `OTEL_NODE_EXPERIMENTAL_SDK_METRICS`: the SDK's own metrics (spans started, queue sizes). */
  sdkSelfMetrics: boolean;
  /**
   * Whether `OTEL_LOGS_EXPORTER` asks for a logs pipeline: spanlens starts none otherwise, where the
   * standard default would be `otlp` (no app of spanlens' asks for one, and it costs memory and start-up).
   */
  logsExporterConfigured: boolean;
  /** Log exporter names from `OTEL_LOGS_EXPORTER` (`otlp`, `console`). */
  logsExporters: string[];
  otlpLogsProtocol: string;
  otlpLogsUrl: string | undefined;
  /** `OTEL_BLRP_*`: the batch log record processor's queue and timing. */
  batchLogRecordProcessor: {
    maxQueueSize?: number;
    scheduledDelayMillis?: number;
    exportTimeoutMillis?: number;
    maxExportBatchSize?: number;
  };
  /** `OTEL_LOGRECORD_*` and `OTEL_ATTRIBUTE_*` limits of log records. */
  logRecordLimits: { attributeCountLimit?: number; attributeValueLengthLimit?: number };
  sdkDisabled: boolean;
}

/** Settings of the OpenTelemetry SDK itself that only variables set (no `start()` option). */
type VariableOnlySetting =
  | 'sdkDisabled'
  | 'propagators'
  | 'spanLimits'
  | 'sdkSelfMetrics'
  | 'logsExporterConfigured'
  | 'logsExporters'
  | 'otlpLogsProtocol'
  | 'otlpLogsUrl'
  | 'batchLogRecordProcessor'
  | 'logRecordLimits'
  | 'wasmTierUp';

/** Options given in code to `start()`; each one wins over its variable. */
export type SpanlensOptions = Partial<Omit<SpanlensConfig, VariableOnlySetting>>;

export const DEFAULTS = {
  slowQueryThresholdMs: 200,
  slowRequestThresholdMs: 1000,
  nPlusOneMinRepeats: 5,
  nPlusOneMinDurationMs: 0,
  responseHeaders: 'off' as ResponseHeadersMode,
  maxRoutes: 500,
  recordAll: true,
  keepTraces: [...KEEP_TRACE_REASONS],
  dbQueryText: 'sanitized' as DbQueryTextMode,
  wasmTierUp: false,
  tracesExporter: 'otlp',
  metricsExporter: 'prometheus',
  otlpProtocol: 'http/protobuf',
  metricsHost: '127.0.0.1',
  metricsPort: 9464,
  metricExportIntervalMs: 60_000,
  metricExportTimeoutMs: 30_000,
};

/** The names `OTEL_NODE_RESOURCE_DETECTORS` knows, as NodeSDK 0.301 reads them. */
export const RESOURCE_DETECTOR_NAMES = ['env', 'host', 'os', 'process', 'serviceinstance', 'all', 'none'] as const;

/** The names `OTEL_PROPAGATORS` knows, as NodeSDK 0.301 reads them (it has no `jaeger`, `xray` or `ottrace`). */
export const PROPAGATOR_NAMES = ['tracecontext', 'baggage', 'b3', 'b3multi', 'none'] as const;

const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

type Env = Record<string, string | undefined>;

/**
 * Reads the environment into a `SpanlensConfig`. A bad value never throws: it is reported once through
 * `diag`, naming the variable, the value and the default used instead.
 */
export function readConfig(env: Env = process.env, options: SpanlensOptions = {}): SpanlensConfig {
  const read = new EnvReader(env);
  const tracesExporters = read.list('OTEL_TRACES_EXPORTER') ?? [DEFAULTS.tracesExporter];
  const metricsExporters = read.list('OTEL_METRICS_EXPORTER') ?? [DEFAULTS.metricsExporter];
  const otlpTracesProtocol =
    read.string('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? read.string('OTEL_EXPORTER_OTLP_PROTOCOL') ?? DEFAULTS.otlpProtocol;
  const otlpMetricsProtocol =
    read.string('OTEL_EXPORTER_OTLP_METRICS_PROTOCOL') ?? read.string('OTEL_EXPORTER_OTLP_PROTOCOL') ?? DEFAULTS.otlpProtocol;
  const logsExporters = read.list('OTEL_LOGS_EXPORTER');
  const logsProtocol = read.string('OTEL_EXPORTER_OTLP_LOGS_PROTOCOL') ?? read.string('OTEL_EXPORTER_OTLP_PROTOCOL') ?? DEFAULTS.otlpProtocol;
  const fromEnv: SpanlensConfig = {
    serviceName: read.string('OTEL_SERVICE_NAME') ?? read.resourceAttribute('service.name'),
    slowQueryThresholdMs: read.number('SPANLENS_SLOW_QUERY_MS', DEFAULTS.slowQueryThresholdMs, 0),
    slowRequestThresholdMs: read.number('SPANLENS_SLOW_REQUEST_MS', DEFAULTS.slowRequestThresholdMs, 0),
    nPlusOneMinRepeats: read.integer('SPANLENS_N_PLUS_ONE_MIN_REPEATS', DEFAULTS.nPlusOneMinRepeats, 2),
    nPlusOneMinDurationMs: read.number('SPANLENS_N_PLUS_ONE_MIN_DURATION_MS', DEFAULTS.nPlusOneMinDurationMs, 0),
    nPlusOneIgnore: read.patternList('SPANLENS_N_PLUS_ONE_IGNORE'),
    responseHeaders: read.oneOf('SPANLENS_RESPONSE_HEADERS', ['off', 'server-timing', 'all'], DEFAULTS.responseHeaders),
    maxRoutes: read.integer('SPANLENS_MAX_ROUTES', DEFAULTS.maxRoutes, 1),
    recordAll: read.boolean('SPANLENS_RECORD_ALL', DEFAULTS.recordAll),
    keepTraces: read.keepTraces('SPANLENS_KEEP_TRACES', DEFAULTS.keepTraces),
    dbQueryText: read.oneOf('SPANLENS_DB_QUERY_TEXT', DB_QUERY_TEXT_MODES, DEFAULTS.dbQueryText),
    wasmTierUp: read.boolean('SPANLENS_WASM_TIER_UP', DEFAULTS.wasmTierUp),
    cacheKeyPatterns: validCacheKeyPatterns('SPANLENS_CACHE_KEY_PATTERNS entry', read.list('SPANLENS_CACHE_KEY_PATTERNS') ?? []),
    tracesExporters,
    metricsExporters,
    otlpTracesProtocol,
    otlpMetricsProtocol,
    otlpTracesUrl: tracesExporters.includes('otlp') ? read.otlpUrl('traces', otlpTracesProtocol) : undefined,
    otlpMetricsUrl: metricsExporters.includes('otlp') ? read.otlpUrl('metrics', otlpMetricsProtocol) : undefined,
    metricExportIntervalMs: read.number('OTEL_METRIC_EXPORT_INTERVAL', DEFAULTS.metricExportIntervalMs, 1),
    metricExportTimeoutMs: read.number('OTEL_METRIC_EXPORT_TIMEOUT', DEFAULTS.metricExportTimeoutMs, 1),
    resourceDetectors: read.knownList('OTEL_NODE_RESOURCE_DETECTORS', RESOURCE_DETECTOR_NAMES),
    metricsHost: read.string('OTEL_EXPORTER_PROMETHEUS_HOST') ?? DEFAULTS.metricsHost,
    metricsPort: read.integer('OTEL_EXPORTER_PROMETHEUS_PORT', DEFAULTS.metricsPort, 0, 65535),
    tracesSampler: read.oneOf('OTEL_TRACES_SAMPLER', TRACES_SAMPLERS, undefined),
    tracesSamplerArg: read.optionalNumber('OTEL_TRACES_SAMPLER_ARG', 0, 1),
    batchSpanProcessor: {
      maxQueueSize: read.optionalNumber('OTEL_BSP_MAX_QUEUE_SIZE', 1),
      scheduledDelayMillis: read.optionalNumber('OTEL_BSP_SCHEDULE_DELAY', 0),
      exportTimeoutMillis: read.optionalNumber('OTEL_BSP_EXPORT_TIMEOUT', 1),
      maxExportBatchSize: read.optionalNumber('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 1),
    },
    enabledInstrumentations: read.list('OTEL_NODE_ENABLED_INSTRUMENTATIONS'),
    disabledInstrumentations: read.list('OTEL_NODE_DISABLED_INSTRUMENTATIONS') ?? [],
    propagators: read.knownList('OTEL_PROPAGATORS', PROPAGATOR_NAMES),
    spanLimits: {
      attributeCountLimit: read.firstNumber(['OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT']),
      attributeValueLengthLimit: read.firstNumber(['OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT']),
      eventCountLimit: read.firstNumber(['OTEL_SPAN_EVENT_COUNT_LIMIT']),
      linkCountLimit: read.firstNumber(['OTEL_SPAN_LINK_COUNT_LIMIT']),
      attributePerEventCountLimit: read.firstNumber(['OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', 'OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT']),
      attributePerLinkCountLimit: read.firstNumber(['OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', 'OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT']),
    },
    sdkSelfMetrics: read.boolean('OTEL_NODE_EXPERIMENTAL_SDK_METRICS', false),
    logsExporterConfigured: logsExporters !== undefined && !logsExporters.includes('none'),
    logsExporters: logsExporters ?? [],
    otlpLogsProtocol: logsProtocol,
    otlpLogsUrl: logsExporters?.includes('otlp') ? read.otlpUrl('logs', logsProtocol) : undefined,
    batchLogRecordProcessor: {
      maxQueueSize: read.optionalNumber('OTEL_BLRP_MAX_QUEUE_SIZE', 1),
      scheduledDelayMillis: read.optionalNumber('OTEL_BLRP_SCHEDULE_DELAY', 0),
      exportTimeoutMillis: read.optionalNumber('OTEL_BLRP_EXPORT_TIMEOUT', 1),
      maxExportBatchSize: read.optionalNumber('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE', 1),
    },
    logRecordLimits: {
      attributeCountLimit: read.firstNumber(['OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT']),
      attributeValueLengthLimit: read.firstNumber(['OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT']),
    },
    sdkDisabled: read.boolean('OTEL_SDK_DISABLED', false),
  };
  const config: SpanlensConfig = { ...fromEnv };
  for (const [key, value] of Object.entries(options) as [keyof SpanlensOptions, unknown][]) {
    if (value === undefined) continue;
    const problem = optionProblem(key, value);
    if (problem === undefined) {
      (config as unknown as Record<string, unknown>)[key] =
        key === 'cacheKeyPatterns' ? validCacheKeyPatterns('option cacheKeyPatterns entry', value as string[]) : value;
    } else {
      const used = (fromEnv as unknown as Record<string, unknown>)[key];
      diag.warn(`spanlens: option ${key}=${describe(value)} is not valid (expected ${problem}); using ${describe(used)}`);
    }
  }
  const keepTracesAsked = env['SPANLENS_KEEP_TRACES'] !== undefined || options.keepTraces !== undefined;
  if (keepTracesAsked && config.keepTraces.length > 0 && !config.recordAll) {
    diag.warn(
      'spanlens: SPANLENS_KEEP_TRACES has no effect with SPANLENS_RECORD_ALL=false: the spans of traces the sampler drops ' +
        'are not recorded, so none can be kept',
    );
  }
  if (config.metricExportTimeoutMs > config.metricExportIntervalMs) {
    // A reader cannot wait longer for an export than the time between two of them (NodeSDK clamps too).
    if (env['OTEL_METRIC_EXPORT_TIMEOUT'] !== undefined || options.metricExportTimeoutMs !== undefined) {
      diag.warn(
        `spanlens: OTEL_METRIC_EXPORT_TIMEOUT (${config.metricExportTimeoutMs}) is longer than OTEL_METRIC_EXPORT_INTERVAL ` +
          `(${config.metricExportIntervalMs}); using the interval`,
      );
    }
    config.metricExportTimeoutMs = config.metricExportIntervalMs;
  }
  return config;
}

/** The ranges options given in code must keep, as their variables do. */
const NUMBER_OPTIONS: Partial<Record<keyof SpanlensOptions, { min: number; max: number; integer: boolean }>> = {
  slowQueryThresholdMs: { min: 0, max: Number.MAX_SAFE_INTEGER, integer: false },
  slowRequestThresholdMs: { min: 0, max: Number.MAX_SAFE_INTEGER, integer: false },
  nPlusOneMinRepeats: { min: 2, max: Number.MAX_SAFE_INTEGER, integer: true },
  nPlusOneMinDurationMs: { min: 0, max: Number.MAX_SAFE_INTEGER, integer: false },
  maxRoutes: { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true },
  metricsPort: { min: 0, max: 65535, integer: true },
  tracesSamplerArg: { min: 0, max: 1, integer: false },
  metricExportIntervalMs: { min: 1, max: Number.MAX_SAFE_INTEGER, integer: false },
  metricExportTimeoutMs: { min: 1, max: Number.MAX_SAFE_INTEGER, integer: false },
};

/** A value as a warning shows it; never throws (JSON.stringify does on a BigInt or a cycle). */
function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const OTLP_PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'];
const BATCH_SPAN_PROCESSOR_FIELDS = ['maxQueueSize', 'scheduledDelayMillis', 'exportTimeoutMillis', 'maxExportBatchSize'];

/** What is wrong with an option given in code, or undefined when it is fine. */
function optionProblem(key: keyof SpanlensOptions, value: unknown): string | undefined {
  const range = NUMBER_OPTIONS[key];
  if (range !== undefined) {
    const fine = typeof value === 'number' && Number.isFinite(value) && value >= range.min && value <= range.max;
    if (fine && (!range.integer || Number.isInteger(value))) return undefined;
    return `a ${range.integer ? 'whole ' : ''}number from ${range.min} to ${range.max}`;
  }
  switch (key) {
    case 'responseHeaders':
      return value === 'off' || value === 'server-timing' || value === 'all' ? undefined : 'off, server-timing or all';
    case 'recordAll':
      return typeof value === 'boolean' ? undefined : 'true or false';
    case 'keepTraces':
      return Array.isArray(value) && value.every((item) => (KEEP_TRACE_REASONS as readonly unknown[]).includes(item))
        ? undefined
        : `a list of ${KEEP_TRACE_REASONS.join(', ')} (empty for none)`;
    case 'dbQueryText':
      return (DB_QUERY_TEXT_MODES as readonly unknown[]).includes(value) ? undefined : DB_QUERY_TEXT_MODES.join(', ');
    case 'batchSpanProcessor': {
      const fields = typeof value === 'object' && value !== null ? Object.entries(value) : undefined;
      const fine = fields?.every(
        ([field, number]) =>
          BATCH_SPAN_PROCESSOR_FIELDS.includes(field) && (number === undefined || (typeof number === 'number' && Number.isFinite(number) && number >= 0)),
      );
      return fine ? undefined : `an object of ${BATCH_SPAN_PROCESSOR_FIELDS.join(', ')} (numbers)`;
    }
    case 'tracesSampler':
      return (TRACES_SAMPLERS as readonly unknown[]).includes(value) ? undefined : `one of ${TRACES_SAMPLERS.join(', ')}`;
    case 'otlpTracesProtocol':
    case 'otlpMetricsProtocol':
      return OTLP_PROTOCOLS.includes(value as string) ? undefined : `one of ${OTLP_PROTOCOLS.join(', ')}`;
    case 'resourceDetectors':
      return Array.isArray(value) && value.every((item) => (RESOURCE_DETECTOR_NAMES as readonly unknown[]).includes(item))
        ? undefined
        : `a list of ${RESOURCE_DETECTOR_NAMES.join(', ')}`;
    case 'otlpTracesUrl':
    case 'otlpMetricsUrl':
      return typeof value === 'string' && isUrl(value) ? undefined : 'a URL';
    case 'nPlusOneIgnore':
    case 'cacheKeyPatterns':
    case 'tracesExporters':
    case 'metricsExporters':
    case 'disabledInstrumentations':
    case 'enabledInstrumentations':
      return Array.isArray(value) && value.every((item) => typeof item === 'string') ? undefined : 'a list of strings';
    default:
      return typeof value === 'string' ? undefined : 'a string';
  }
}

/** The patterns that parse; each one that does not is reported once and left out. */
function validCacheKeyPatterns(source: string, patterns: readonly string[]): string[] {
  return patterns.filter((pattern) => {
    const problem = keyPatternProblem(pattern);
    if (problem !== undefined) {
      diag.warn(`spanlens: ${source} ${JSON.stringify(pattern)} is not valid (${problem}); ignoring it, keys it would match keep their learned key structure`);
    }
    return problem === undefined;
  });
}

function isUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** Where the OTLP exporters send by default, per protocol and signal (the specification's defaults). */
const OTLP_DEFAULT_ENDPOINTS = { grpc: 'http://localhost:4317', http: 'http://localhost:4318' };

/** Parses variables; each rejected value produces exactly one warning. */
class EnvReader {
  private readonly warned = new Set<string>();

  constructor(private readonly env: Env) {}

  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  /** One attribute of `OTEL_RESOURCE_ATTRIBUTES` (`key=value,key=value`, values percent-encoded). */
  resourceAttribute(key: string): string | undefined {
    for (const pair of this.string('OTEL_RESOURCE_ATTRIBUTES')?.split(',') ?? []) {
      const separator = pair.indexOf('=');
      if (separator <= 0 || pair.slice(0, separator).trim() !== key) continue;
      try {
        return decodeURIComponent(pair.slice(separator + 1).trim()) || undefined;
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  list(name: string): string[] | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const items = value.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
    return items.length > 0 ? [...new Set(items)] : undefined;
  }

  /** A comma list of names from `known`; an unknown one is skipped with a warning, as NodeSDK does. */
  knownList(name: string, known: readonly string[]): string[] | undefined {
    const items = this.list(name)?.map((item) => item.toLowerCase());
    if (items === undefined) return undefined;
    for (const item of items.filter((candidate) => !known.includes(candidate))) {
      this.warn(`spanlens: ${name} lists ${JSON.stringify(item)}, which is not one of ${known.join(', ')}; skipping it`);
    }
    return items.filter((item) => known.includes(item));
  }

  /**
   * A comma list whose `/regex/flags` entries may hold commas themselves: an entry starting with `/`
   * runs to the (unescaped) `/` that, after its flags, is followed by a comma or the end.
   */
  patternList(name: string): string[] {
    const value = this.string(name) ?? '';
    const items: string[] = [];
    let start = 0;
    while (start < value.length) {
      while (value[start] === ' ' || value[start] === ',') start++;
      if (start >= value.length) break;
      const end = value[start] === '/' ? regexEntryEnd(value, start) : value.indexOf(',', start);
      const stop = end === -1 ? value.length : end;
      const item = value.slice(start, stop).trim();
      if (item.length > 0 && !items.includes(item)) items.push(item);
      start = stop + 1;
    }
    return items;
  }

  /**
   * The endpoint an OTLP exporter of `signal` should get in place of an invalid
   * `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`, with one warning naming it;
   * undefined when they are valid (or unset) and the exporter can read them itself.
   */
  otlpUrl(signal: 'traces' | 'metrics' | 'logs', protocol: string): string | undefined {
    const grpc = protocol === 'grpc';
    // The gRPC exporter takes a bare `host:port` (it adds https://); the HTTP ones need a full URL.
    const valid = (value: string): boolean => isUrl(grpc && !/^\w{1,8}:\/\//.test(value) ? `https://${value}` : value);
    const genericName = 'OTEL_EXPORTER_OTLP_ENDPOINT';
    const specificName = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`;
    const generic = this.string(genericName);
    const specific = this.string(specificName);
    if (specific !== undefined ? valid(specific) : generic === undefined || valid(generic)) return undefined;
    const signalDefault = grpc ? OTLP_DEFAULT_ENDPOINTS.grpc : `${OTLP_DEFAULT_ENDPOINTS.http}/v1/${signal}`;
    let url = signalDefault;
    let used = `the default ${signalDefault}`;
    if (specific === undefined) {
      used = `the default ${grpc ? OTLP_DEFAULT_ENDPOINTS.grpc : OTLP_DEFAULT_ENDPOINTS.http}`;
    } else if (generic !== undefined && valid(generic)) {
      url = grpc ? generic : `${generic.replace(/\/$/, '')}/v1/${signal}`;
      used = genericName;
    }
    const [name, value] = specific === undefined ? [genericName, generic] : [specificName, specific];
    this.warn(`spanlens: ${name}=${JSON.stringify(value)} is not valid (expected a URL); using ${used}`);
    return url;
  }

  number(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      return this.reject(name, raw, fallback, `a number from ${min} to ${max}`);
    }
    return value;
  }

  integer(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      return this.reject(name, raw, fallback, `a whole number from ${min} to ${max}`);
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const lower = raw.toLowerCase();
    if (lower === 'true' || lower === '1') return true;
    if (lower === 'false' || lower === '0') return false;
    return this.reject(name, raw, fallback, 'true or false');
  }

  /** A number with no spanlens default: a bad value leaves the setting to the SDK's default. */
  optionalNumber(name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      return this.reject(name, raw, undefined, `a number from ${min} to ${max}`);
    }
    return value;
  }

  /**
   * The first of `names` that is set, as a limit (a whole number, 0 or more): a signal's own variable
   * before the generic one. A bad value is reported and the next name (or the SDK's default) used.
   */
  firstNumber(names: readonly string[]): number | undefined {
    for (const [index, name] of names.entries()) {
      const raw = this.string(name);
      if (raw === undefined) continue;
      const value = Number(raw);
      if (Number.isInteger(value) && value >= 0) return value;
      const next = names[index + 1];
      const used = next === undefined ? "the OpenTelemetry SDK's default" : `${next} or the OpenTelemetry SDK's default`;
      this.warn(`spanlens: ${name}=${JSON.stringify(raw)} is not valid (expected a whole number, 0 or more); using ${used}`);
    }
    return undefined;
  }

  /**
   * `none`, or a comma list of keep reasons. A list with an unknown entry is rejected whole: keeping
   * less than the user meant because of a typo would go unnoticed, keeping the default is visible.
   */
  keepTraces(name: string, fallback: readonly KeepTraceReason[]): KeepTraceReason[] {
    const items = this.list(name)?.map((item) => item.toLowerCase());
    if (items === undefined) return [...fallback];
    if (items.length === 1 && items[0] === 'none') return [];
    if (items.every((item) => (KEEP_TRACE_REASONS as readonly string[]).includes(item))) return items as KeepTraceReason[];
    this.reject(name, this.string(name)!, fallback.join(','), `none or a comma list of ${KEEP_TRACE_REASONS.join(', ')}`);
    return [...fallback];
  }

  oneOf<T extends string, F extends T | undefined>(name: string, allowed: readonly T[], fallback: F): T | F {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const lower = raw.toLowerCase() as T;
    if (allowed.includes(lower)) return lower;
    return this.reject(name, raw, fallback, `one of ${allowed.join(', ')}`);
  }

  private reject<T>(name: string, raw: string, fallback: T, expected: string): T {
    const used = fallback === undefined ? "the OpenTelemetry SDK's default" : `the default ${String(fallback)}`;
    this.warn(`spanlens: ${name}=${JSON.stringify(raw)} is not valid (expected ${expected}); using ${used}`);
    return fallback;
  }

  /** One variable read for two signals (the generic OTLP endpoint) still warns once. */
  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    diag.warn(message);
  }
}

/** Where a `/regex/flags` entry starting at `start` ends: the index of the comma after it, or -1 at the end. */
function regexEntryEnd(value: string, start: number): number {
  for (let index = start + 1; index < value.length; index++) {
    if (value[index] === '\\') {
      index++;
    } else if (value[index] === '/') {
      const after = /^[a-z]*\s*(,|$)/.exec(value.slice(index + 1));
      if (after !== null) return after[1] === ',' ? index + after[0].length : -1;
    }
  }
  // No closing slash: the entry runs to the next comma, as any other.
  return value.indexOf(',', start);
}

const LOG_LEVELS: Record<string, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/**
 * `OTEL_LOG_LEVEL` for the preload's diagnostic logger; spanlens defaults to `warn` so that its own
 * configuration warnings reach the user. Read before everything else, so it cannot warn through `diag`.
 */
export function readLogLevel(env: Env = process.env): { level: DiagLogLevel; invalid: string | undefined } {
  const raw = env['OTEL_LOG_LEVEL']?.trim();
  if (!raw) return { level: DiagLogLevel.WARN, invalid: undefined };
  const level = LOG_LEVELS[raw.toLowerCase()];
  return level === undefined ? { level: DiagLogLevel.WARN, invalid: raw } : { level, invalid: undefined };
}

/**
 * Whether `OTEL_SDK_DISABLED` turns spanlens off, read before anything heavy is loaded so that a
 * disabled preload costs nothing. A bad value is reported later, by `readConfig`.
 */
export function isSdkDisabled(env: Env = process.env): boolean {
  const value = env['OTEL_SDK_DISABLED']?.trim().toLowerCase();
  return value === 'true' || value === '1';
}

/** The variables that say how this process takes part in a cluster; `src/cluster` reads them here. */
export interface ClusterEnvironment {
  /** `NODE_APP_INSTANCE`: PM2 numbers the instances of an app 0 … N-1 with it. */
  appInstance: string | undefined;
  /** `SPANLENS_CLUSTER_PRIMARY_PID`: set by a `node:cluster` primary running spanlens, for its workers. */
  primaryPid: string | undefined;
}

export function readClusterEnvironment(env: Env = process.env): ClusterEnvironment {
  return { appInstance: env['NODE_APP_INSTANCE']?.trim() || undefined, primaryPid: env['SPANLENS_CLUSTER_PRIMARY_PID']?.trim() || undefined };
}
