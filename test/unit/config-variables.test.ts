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

  it('starts no logs pipeline over grpc when its endpoint is invalid, and says so', () => {
    const config = readConfig({ OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://[::1', OTEL_TRACES_EXPORTER: 'none' });
    expect(config.logsExporterConfigured).toBe(false);
    expect(warnings).toEqual(['spanlens: OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="http://[::1" is not valid (expected a URL); logs are not exported']);
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
