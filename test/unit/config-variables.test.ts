import { DiagLogLevel, diag } from '@opentelemetry/api';
import { readConfig } from '../../src/config/config';
import { compileIgnoreList } from '../../src/detection/ignore-list';

const warnings: string[] = [];
beforeAll(() => {
  diag.setLogger(
    {
      error: (message) => warnings.push(message),
      warn: (message) => warnings.push(message),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
});
afterAll(() => diag.disable());
beforeEach(() => (warnings.length = 0));

describe('SPANLENS_N_PLUS_ONE_IGNORE list syntax', () => {
  it('keeps the commas inside a /regex/ to the regex', () => {
    const { nPlusOneIgnore } = readConfig({ SPANLENS_N_PLUS_ONE_IGNORE: '/FROM (audit|log)_[a-z]{2,8}/' });
    expect(nPlusOneIgnore).toEqual(['/FROM (audit|log)_[a-z]{2,8}/']);
    const ignored = compileIgnoreList(nPlusOneIgnore);
    expect(ignored.invalid).toEqual([]);
    expect(ignored.patterns.some((pattern) => pattern.test('SELECT * FROM audit_events WHERE id = $1'))).toBe(true);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['a1b2c3, /FROM (audit|log)_[a-z]{2,8}/i , keyv.get user:{id}', ['a1b2c3', '/FROM (audit|log)_[a-z]{2,8}/i', 'keyv.get user:{id}']],
    ['/a{1,2}/,/b,c/', ['/a{1,2}/', '/b,c/']],
    ['/x\\/,y/, z', ['/x\\/,y/', 'z']],
    ['/unclosed,next', ['/unclosed', 'next']],
    [' , a,,a , ', ['a']],
  ])('reads %j as %j', (value, entries) => {
    expect(readConfig({ SPANLENS_N_PLUS_ONE_IGNORE: value }).nPlusOneIgnore).toEqual(entries);
  });
});

describe('OTEL_METRIC_EXPORT_INTERVAL and OTEL_METRIC_EXPORT_TIMEOUT', () => {
  it('default to the specification’s 60 s and 30 s', () => {
    expect(readConfig({})).toMatchObject({ metricExportIntervalMs: 60_000, metricExportTimeoutMs: 30_000 });
  });

  it('are read in milliseconds', () => {
    const config = readConfig({ OTEL_METRIC_EXPORT_INTERVAL: '5000', OTEL_METRIC_EXPORT_TIMEOUT: '2000' });
    expect(config).toMatchObject({ metricExportIntervalMs: 5000, metricExportTimeoutMs: 2000 });
    expect(warnings).toEqual([]);
  });

  it('clamp a timeout longer than the interval, saying so when the timeout was set', () => {
    expect(readConfig({ OTEL_METRIC_EXPORT_INTERVAL: '1000' })).toMatchObject({ metricExportIntervalMs: 1000, metricExportTimeoutMs: 1000 });
    expect(warnings).toEqual([]);
    expect(readConfig({ OTEL_METRIC_EXPORT_INTERVAL: '1000', OTEL_METRIC_EXPORT_TIMEOUT: '5000' }).metricExportTimeoutMs).toBe(1000);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('OTEL_METRIC_EXPORT_TIMEOUT (5000) is longer than OTEL_METRIC_EXPORT_INTERVAL (1000)');
  });

  it.each([
    ['OTEL_METRIC_EXPORT_INTERVAL', '0', '60000'],
    ['OTEL_METRIC_EXPORT_TIMEOUT', 'soon', '30000'],
  ])('reject %s=%s with one warning naming the default %s', (variable, value, fallback) => {
    readConfig({ [variable]: value });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${variable}="${value}"`);
    expect(warnings[0]).toContain(`using the default ${fallback}`);
  });
});

describe('OTLP endpoints', () => {
  const otlp = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_METRICS_EXPORTER: 'otlp' };

  it('leaves valid endpoints to the exporters', () => {
    const config = readConfig({ ...otlp, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/v1/traces' });
    expect(config).toMatchObject({ otlpTracesUrl: undefined, otlpMetricsUrl: undefined });
    expect(readConfig({ ...otlp, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' }).otlpTracesUrl).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('replaces an invalid generic endpoint by the default of the protocol, with one warning for both signals', () => {
    expect(readConfig({ ...otlp, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://[::1' })).toMatchObject({
      otlpTracesUrl: 'http://localhost:4317',
      otlpMetricsUrl: 'http://localhost:4317',
    });
    expect(warnings).toEqual(['spanlens: OTEL_EXPORTER_OTLP_ENDPOINT="http://[::1" is not valid (expected a URL); using the default http://localhost:4317']);
    warnings.length = 0;
    expect(readConfig({ ...otlp, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://[::1' })).toMatchObject({
      otlpTracesUrl: 'http://localhost:4318/v1/traces',
      otlpMetricsUrl: 'http://localhost:4318/v1/metrics',
    });
    expect(warnings).toEqual(['spanlens: OTEL_EXPORTER_OTLP_ENDPOINT="http://[::1" is not valid (expected a URL); using the default http://localhost:4318']);
  });

  it('replaces an invalid signal endpoint by the generic one when that is valid', () => {
    const config = readConfig({ ...otlp, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://[::1' });
    expect(config).toMatchObject({ otlpTracesUrl: undefined, otlpMetricsUrl: 'http://collector:4318/v1/metrics' });
    expect(warnings).toEqual(['spanlens: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT="http://[::1" is not valid (expected a URL); using OTEL_EXPORTER_OTLP_ENDPOINT']);
  });

  it('says nothing about endpoints no exporter uses', () => {
    readConfig({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://[::1' });
    expect(warnings).toEqual([]);
  });

  it('replaces an invalid logs endpoint as it does the others', () => {
    const config = readConfig({ OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://[::1', OTEL_TRACES_EXPORTER: 'none' });
    expect(config).toMatchObject({ logsExporterConfigured: true, otlpLogsProtocol: 'grpc', otlpLogsUrl: 'http://localhost:4317' });
    expect(warnings).toEqual(['spanlens: OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="http://[::1" is not valid (expected a URL); using the default http://localhost:4317']);
  });
});

describe('OTEL_NODE_RESOURCE_DETECTORS', () => {
  it('is unset by default (spanlens then chooses the detectors)', () => {
    expect(readConfig({}).resourceDetectors).toBeUndefined();
  });

  it('reads the names NodeSDK knows and skips others with one warning', () => {
    expect(readConfig({ OTEL_NODE_RESOURCE_DETECTORS: 'env, HOST,process' }).resourceDetectors).toEqual(['env', 'host', 'process']);
    expect(warnings).toEqual([]);
    expect(readConfig({ OTEL_NODE_RESOURCE_DETECTORS: 'env,container' }).resourceDetectors).toEqual(['env']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('OTEL_NODE_RESOURCE_DETECTORS lists "container"');
  });
});

describe('the OpenTelemetry SDK variables spanlens builds the SDK from', () => {
  it('leave the SDK its defaults when unset', () => {
    const config = readConfig({});
    expect(config).toMatchObject({ propagators: undefined, sdkSelfMetrics: false, logsExporterConfigured: false, logsExporters: [] });
    expect(Object.values(config.spanLimits).filter((limit) => limit !== undefined)).toEqual([]);
    expect(Object.values(config.batchLogRecordProcessor).filter((value) => value !== undefined)).toEqual([]);
    expect(Object.values(config.logRecordLimits).filter((limit) => limit !== undefined)).toEqual([]);
  });

  it('read OTEL_PROPAGATORS and skip a name NodeSDK does not know, with one warning', () => {
    expect(readConfig({ OTEL_PROPAGATORS: 'tracecontext, B3multi' }).propagators).toEqual(['tracecontext', 'b3multi']);
    expect(warnings).toEqual([]);
    expect(readConfig({ OTEL_PROPAGATORS: 'jaeger,baggage' }).propagators).toEqual(['baggage']);
    expect(warnings).toEqual(['spanlens: OTEL_PROPAGATORS lists "jaeger", which is not one of tracecontext, baggage, b3, b3multi, none; skipping it']);
  });

  it('read the span limits, a span variable before its generic OTEL_ATTRIBUTE_* one', () => {
    const config = readConfig({
      OTEL_ATTRIBUTE_COUNT_LIMIT: '64',
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '100',
      OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '12',
      OTEL_SPAN_EVENT_COUNT_LIMIT: '5',
      OTEL_SPAN_LINK_COUNT_LIMIT: '6',
      OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT: '7',
      OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: '8',
    });
    expect(config.spanLimits).toEqual({
      attributeCountLimit: 64,
      attributeValueLengthLimit: 12,
      eventCountLimit: 5,
      linkCountLimit: 6,
      attributePerEventCountLimit: 7,
      attributePerLinkCountLimit: 8,
    });
    expect(config.logRecordLimits).toEqual({ attributeCountLimit: 64, attributeValueLengthLimit: 100 });
    expect(warnings).toEqual([]);
  });

  it('fall back to the generic limit when the specific one is not a whole number, saying so once', () => {
    const config = readConfig({ OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: 'many', OTEL_ATTRIBUTE_COUNT_LIMIT: '32' });
    expect(config.spanLimits.attributeCountLimit).toBe(32);
    expect(warnings).toEqual([
      'spanlens: OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT="many" is not valid (expected a whole number, 0 or more); using OTEL_ATTRIBUTE_COUNT_LIMIT or the OpenTelemetry SDK\'s default',
    ]);
  });

  it('read the logs pipeline only as far as OTEL_LOGS_EXPORTER asks for one', () => {
    expect(readConfig({ OTEL_LOGS_EXPORTER: 'none' }).logsExporterConfigured).toBe(false);
    const config = readConfig({
      OTEL_LOGS_EXPORTER: 'otlp,console',
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json',
      OTEL_BLRP_SCHEDULE_DELAY: '250',
      OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '10',
    });
    expect(config).toMatchObject({
      logsExporterConfigured: true,
      logsExporters: ['otlp', 'console'],
      otlpLogsProtocol: 'http/json',
      otlpLogsUrl: undefined,
      batchLogRecordProcessor: { scheduledDelayMillis: 250, maxExportBatchSize: 10 },
    });
    expect(warnings).toEqual([]);
  });

  it('read OTEL_NODE_EXPERIMENTAL_SDK_METRICS', () => {
    expect(readConfig({ OTEL_NODE_EXPERIMENTAL_SDK_METRICS: 'true' }).sdkSelfMetrics).toBe(true);
  });
});
