import { readConfig, type SpanlensOptions } from '../../src/config/config';
import { captureDiagWarnings } from './helpers/diag-warnings';

// Options given to start() in code are checked as strictly as their variables: a bad one is reported once,
// naming the option and the value used instead, and never reaches the SDK.
const warnings = captureDiagWarnings();

type Key = keyof SpanlensOptions;

/** Values each option takes, at the ends of its range where it has one. */
const VALID: Array<[Key, unknown]> = [
  ['slowQueryThresholdMs', 0],
  ['slowQueryThresholdMs', 12.5],
  ['slowRequestThresholdMs', Number.MAX_SAFE_INTEGER],
  ['nPlusOneMinRepeats', 2],
  ['nPlusOneMinDurationMs', 0],
  ['maxRoutes', 1],
  ['metricsPort', 0],
  ['metricsPort', 65535],
  ['tracesSamplerArg', 0],
  ['tracesSamplerArg', 1],
  ['metricExportIntervalMs', 1],
  ['metricExportTimeoutMs', 1],
  ['responseHeaders', 'off'],
  ['responseHeaders', 'server-timing'],
  ['responseHeaders', 'all'],
  ['recordAll', false],
  ['dbQueryText', 'raw'],
  ['batchSpanProcessor', { maxQueueSize: 0, scheduledDelayMillis: undefined }],
  ['batchSpanProcessor', { maxQueueSize: 10, scheduledDelayMillis: 5, exportTimeoutMillis: 100, maxExportBatchSize: 1 }],
  ['tracesSampler', 'always_off'],
  ['otlpTracesProtocol', 'grpc'],
  ['otlpMetricsProtocol', 'http/json'],
  ['resourceDetectors', ['env', 'host']],
  ['resourceDetectors', []],
  ['otlpTracesUrl', 'http://collector:4318/v1/traces'],
  ['otlpMetricsUrl', 'http://collector:4318/v1/metrics'],
  ['nPlusOneIgnore', ['abc', '/FROM x/']],
  ['tracesExporters', ['console']],
  ['metricsExporters', []],
  ['disabledInstrumentations', ['koa']],
  ['enabledInstrumentations', ['pg']],
  ['serviceName', 'billing'],
  ['metricsHost', '0.0.0.0'],
];

/** Values each option refuses: just past the ends of its range, of the wrong type or unknown. */
const INVALID: Array<[Key, unknown, string]> = [
  ['slowQueryThresholdMs', -0.5, 'a number from 0 to 9007199254740991'],
  ['slowQueryThresholdMs', Number.POSITIVE_INFINITY, 'a number from 0'],
  ['slowQueryThresholdMs', '50', 'a number from 0'],
  ['slowRequestThresholdMs', Number.MAX_SAFE_INTEGER + 2, 'a number from 0'],
  ['nPlusOneMinRepeats', 1, 'a whole number from 2 to'],
  ['nPlusOneMinRepeats', 2.5, 'a whole number from 2 to'],
  ['maxRoutes', 0, 'a whole number from 1 to'],
  ['metricsPort', 65536, 'a whole number from 0 to 65535'],
  ['metricsPort', -1, 'a whole number from 0 to 65535'],
  ['tracesSamplerArg', 1.01, 'a number from 0 to 1'],
  ['metricExportIntervalMs', 0, 'a number from 1'],
  ['responseHeaders', 'ALL', 'off, server-timing or all'],
  ['responseHeaders', '', 'off, server-timing or all'],
  ['recordAll', 'true', 'true or false'],
  ['dbQueryText', 'hashed', 'sanitized, raw, off'],
  ['batchSpanProcessor', null, 'an object of maxQueueSize, scheduledDelayMillis, exportTimeoutMillis, maxExportBatchSize (numbers)'],
  ['batchSpanProcessor', 100, 'an object of maxQueueSize'],
  ['batchSpanProcessor', { maxQueueSize: -1 }, 'an object of maxQueueSize'],
  ['batchSpanProcessor', { maxQueueSize: Number.NaN }, 'an object of maxQueueSize'],
  ['batchSpanProcessor', { maxQueueSize: Number.POSITIVE_INFINITY }, 'an object of maxQueueSize'],
  ['batchSpanProcessor', { maxQueueSize: '10' }, 'an object of maxQueueSize'],
  ['batchSpanProcessor', { queueSize: 10 }, 'an object of maxQueueSize'],
  ['batchSpanProcessor', { maxQueueSize: 10, queueSize: 10 }, 'an object of maxQueueSize'],
  ['tracesSampler', 'sometimes', 'one of always_on, always_off'],
  ['otlpTracesProtocol', 'http', 'one of http/protobuf, http/json, grpc'],
  ['otlpMetricsProtocol', 'udp', 'one of http/protobuf, http/json, grpc'],
  ['resourceDetectors', ['env', 'cloud'], 'a list of env, host, os, process, serviceinstance, all, none'],
  ['resourceDetectors', 'env', 'a list of env, host'],
  ['otlpTracesUrl', 'collector 4318', 'a URL'],
  ['otlpMetricsUrl', 'http://[::1', 'a URL'],
  ['otlpMetricsUrl', 4318, 'a URL'],
  // A URL object would reach exporters that take text only.
  ['otlpMetricsUrl', new URL('http://collector:4318/v1/metrics'), 'a URL'],
  ['nPlusOneIgnore', 'abc', 'a list of strings'],
  ['cacheKeyPatterns', ['ok:{id}', 5], 'a list of strings'],
  ['tracesExporters', [1], 'a list of strings'],
  ['metricsExporters', 'prometheus', 'a list of strings'],
  ['disabledInstrumentations', [null], 'a list of strings'],
  ['enabledInstrumentations', {}, 'a list of strings'],
  ['serviceName', 42, 'a string'],
];

describe('options given in code', () => {
  it.each(VALID)('takes %s = %p, silently', (key, value) => {
    const config = readConfig({}, { [key]: value });
    expect((config as unknown as Record<string, unknown>)[key]).toEqual(value);
    expect(warnings).toEqual([]);
  });

  it.each(INVALID)('refuses %s = %p, saying it expected %s and keeping the value of the variables', (key, value, expected) => {
    const fromVariables = readConfig({});
    const config = readConfig({}, { [key]: value } as SpanlensOptions);
    expect(config).toEqual(fromVariables);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`option ${key}=`);
    expect(warnings[0]).toContain(`(expected ${expected}`);
    expect(warnings[0]).toContain(`; using ${JSON.stringify((fromVariables as unknown as Record<string, unknown>)[key]) ?? 'undefined'}`);
  });

  it('names the value it refuses as JSON, or as text when JSON cannot show it', () => {
    readConfig({}, { slowQueryThresholdMs: 'fast' as never, maxRoutes: 10n as never });
    expect(warnings).toEqual([
      expect.stringContaining('option slowQueryThresholdMs="fast" is not valid'),
      expect.stringContaining('option maxRoutes=10 is not valid'),
    ]);
  });

  it('leaves an option set to undefined to its variable', () => {
    const config = readConfig({ SPANLENS_SLOW_QUERY_MS: '30' }, { slowQueryThresholdMs: undefined });
    expect(config.slowQueryThresholdMs).toBe(30);
    expect(warnings).toEqual([]);
  });

  it('checks the cache key patterns given in code one by one, naming the option', () => {
    const config = readConfig({}, { cacheKeyPatterns: ['ok:{id}', 'bad:{'] });
    expect(config.cacheKeyPatterns).toEqual(['ok:{id}']);
    expect(warnings).toEqual([expect.stringContaining('option cacheKeyPatterns entry "bad:{" is not valid')]);
  });

  it('clamps an export timeout given in code longer than the interval, and says so', () => {
    const config = readConfig({}, { metricExportIntervalMs: 1000, metricExportTimeoutMs: 5000 });
    expect(config.metricExportTimeoutMs).toBe(1000);
    expect(warnings).toEqual([expect.stringContaining('OTEL_METRIC_EXPORT_TIMEOUT (5000) is longer than OTEL_METRIC_EXPORT_INTERVAL (1000)')]);
  });

  it('keeps an export timeout equal to the interval as it is', () => {
    const config = readConfig({}, { metricExportIntervalMs: 1000, metricExportTimeoutMs: 1000 });
    expect(config.metricExportTimeoutMs).toBe(1000);
    expect(warnings).toEqual([]);
  });
});
