import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { DEFAULTS, readConfig } from '../../src/config/config';
import { VERSION } from '../../src/version';

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

describe('readConfig', () => {
  it('uses the contract defaults when nothing is set', () => {
    const config = readConfig({});
    expect(config).toMatchObject({
      slowQueryThresholdMs: 200,
      slowRequestThresholdMs: 1000,
      nPlusOneMinRepeats: 5,
      nPlusOneMinDurationMs: 0,
      nPlusOneIgnore: [],
      responseHeaders: 'off',
      maxRoutes: 500,
      recordAll: true,
      tracesExporters: ['otlp'],
      metricsExporters: ['prometheus'],
      otlpTracesProtocol: 'http/protobuf',
      metricsHost: '127.0.0.1',
      metricsPort: 9464,
      sdkDisabled: false,
    });
    expect(warnings).toEqual([]);
  });

  it('reads every variable', () => {
    const config = readConfig({
      SPANLENS_SLOW_QUERY_MS: '50',
      SPANLENS_SLOW_REQUEST_MS: '500',
      SPANLENS_N_PLUS_ONE_MIN_REPEATS: '3',
      SPANLENS_N_PLUS_ONE_MIN_DURATION_MS: '10',
      SPANLENS_N_PLUS_ONE_IGNORE: 'abc123, /FROM settings/',
      SPANLENS_RESPONSE_HEADERS: 'ALL',
      SPANLENS_MAX_ROUTES: '20',
      SPANLENS_RECORD_ALL: 'false',
      OTEL_TRACES_EXPORTER: 'otlp,console',
      OTEL_METRICS_EXPORTER: 'prometheus, otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
      OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0',
      OTEL_EXPORTER_PROMETHEUS_PORT: '9999',
      OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'koa',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_SDK_DISABLED: 'true',
    });
    expect(config).toMatchObject({
      slowQueryThresholdMs: 50,
      slowRequestThresholdMs: 500,
      nPlusOneMinRepeats: 3,
      nPlusOneMinDurationMs: 10,
      nPlusOneIgnore: ['abc123', '/FROM settings/'],
      responseHeaders: 'all',
      maxRoutes: 20,
      recordAll: false,
      tracesExporters: ['otlp', 'console'],
      metricsExporters: ['prometheus', 'otlp'],
      otlpTracesProtocol: 'grpc',
      otlpMetricsProtocol: 'http/json',
      metricsHost: '0.0.0.0',
      metricsPort: 9999,
      disabledInstrumentations: ['koa'],
      tracesSampler: 'parentbased_traceidratio',
      tracesSamplerArg: 0.25,
      sdkDisabled: true,
    });
    expect(warnings).toEqual([]);
  });

  it.each([
    ['SPANLENS_SLOW_QUERY_MS', 'abc', String(DEFAULTS.slowQueryThresholdMs)],
    ['SPANLENS_SLOW_QUERY_MS', '-5', String(DEFAULTS.slowQueryThresholdMs)],
    ['SPANLENS_N_PLUS_ONE_MIN_REPEATS', '1.5', String(DEFAULTS.nPlusOneMinRepeats)],
    ['SPANLENS_MAX_ROUTES', '0', String(DEFAULTS.maxRoutes)],
    ['SPANLENS_RECORD_ALL', 'maybe', 'true'],
    ['SPANLENS_RESPONSE_HEADERS', 'yes', 'off'],
    ['OTEL_EXPORTER_PROMETHEUS_PORT', '65536', '9464'],
  ])('rejects %s=%s with one warning naming it and the default %s', (variable, value, fallback) => {
    const config = readConfig({ [variable]: value });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${variable}="${value}"`);
    expect(warnings[0]).toContain(`using the default ${fallback}`);
    expect(config).toEqual(readConfig({}));
  });

  it('exports sanitized query text and learns cache key structure unless told otherwise', () => {
    expect(readConfig({})).toMatchObject({ dbQueryText: 'sanitized', cacheKeyPatterns: [] });
    expect(warnings).toEqual([]);
  });

  it('reads SPANLENS_DB_QUERY_TEXT and SPANLENS_CACHE_KEY_PATTERNS', () => {
    expect(readConfig({ SPANLENS_DB_QUERY_TEXT: 'RAW' }).dbQueryText).toBe('raw');
    expect(readConfig({ SPANLENS_DB_QUERY_TEXT: 'off' }).dbQueryText).toBe('off');
    expect(readConfig({ SPANLENS_CACHE_KEY_PATTERNS: ' session:{name}, user:{id}:settings ,' }).cacheKeyPatterns).toEqual([
      'session:{name}',
      'user:{id}:settings',
    ]);
    expect(warnings).toEqual([]);
  });

  it('rejects SPANLENS_DB_QUERY_TEXT=hashed with one warning naming it and the default sanitized', () => {
    expect(readConfig({ SPANLENS_DB_QUERY_TEXT: 'hashed' }).dbQueryText).toBe('sanitized');
    expect(warnings).toEqual([expect.stringContaining('SPANLENS_DB_QUERY_TEXT="hashed" is not valid')]);
    expect(warnings[0]).toContain('using the default sanitized');
  });

  it.each([
    ['user:{id', 'an unclosed {'],
    ['user:{}:settings', 'an empty {}'],
    ['{a}{b}', 'two placeholders with nothing between them'],
  ])('drops the SPANLENS_CACHE_KEY_PATTERNS entry %s (%s) with one warning, keeping the others', (entry) => {
    const config = readConfig({ SPANLENS_CACHE_KEY_PATTERNS: `session:{name},${entry}` });
    expect(config.cacheKeyPatterns).toEqual(['session:{name}']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`SPANLENS_CACHE_KEY_PATTERNS entry ${JSON.stringify(entry)} is not valid`);
    expect(warnings[0]).toContain('learned key structure');
  });

  it('checks the options dbQueryText and cacheKeyPatterns given in code as their variables', () => {
    const config = readConfig({}, { dbQueryText: 'everything' as never, cacheKeyPatterns: ['ok:{id}', 'bad:{'] });
    expect(config.dbQueryText).toBe('sanitized');
    expect(config.cacheKeyPatterns).toEqual(['ok:{id}']);
    expect(warnings).toHaveLength(2);
  });

  it('lets options given in code win over variables', () => {
    const config = readConfig({ SPANLENS_SLOW_QUERY_MS: '50', SPANLENS_MAX_ROUTES: '20' }, { slowQueryThresholdMs: 75 });
    expect(config.slowQueryThresholdMs).toBe(75);
    expect(config.maxRoutes).toBe(20);
  });
});

describe('SPANLENS_KEEP_TRACES', () => {
  it('keeps N+1, slow and failed requests’ traces by default', () => {
    expect(readConfig({}).keepTraces).toEqual(['n_plus_one', 'slow', 'error']);
    expect(warnings).toEqual([]);
  });

  it('reads none and any subset, in any case', () => {
    expect(readConfig({ SPANLENS_KEEP_TRACES: 'none' }).keepTraces).toEqual([]);
    expect(readConfig({ SPANLENS_KEEP_TRACES: ' Slow , error ' }).keepTraces).toEqual(['slow', 'error']);
    expect(readConfig({ SPANLENS_KEEP_TRACES: 'n_plus_one' }).keepTraces).toEqual(['n_plus_one']);
    expect(warnings).toEqual([]);
  });

  it.each(['n_plus_1,slow', 'none,slow', 'all'])('rejects %j whole with one warning naming the variable and the default', (value) => {
    expect(readConfig({ SPANLENS_KEEP_TRACES: value }).keepTraces).toEqual(['n_plus_one', 'slow', 'error']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`SPANLENS_KEEP_TRACES=${JSON.stringify(value)} is not valid`);
    expect(warnings[0]).toContain('using the default n_plus_one,slow,error');
  });

  it('checks the option keepTraces given in code as its variable', () => {
    expect(readConfig({ SPANLENS_KEEP_TRACES: 'slow' }, { keepTraces: [] }).keepTraces).toEqual([]);
    expect(readConfig({ SPANLENS_KEEP_TRACES: 'slow' }, { keepTraces: ['sometimes' as never] }).keepTraces).toEqual(['slow']);
    expect(warnings).toEqual([expect.stringContaining('option keepTraces=["sometimes"] is not valid')]);
  });

  it('says once that it keeps nothing when asked for with SPANLENS_RECORD_ALL=false', () => {
    readConfig({ SPANLENS_RECORD_ALL: 'false' });
    expect(warnings).toEqual([]);
    readConfig({ SPANLENS_RECORD_ALL: 'false', SPANLENS_KEEP_TRACES: 'slow' });
    expect(warnings).toEqual([expect.stringContaining('SPANLENS_KEEP_TRACES has no effect with SPANLENS_RECORD_ALL=false')]);
  });
});

it('reports the version package.json declares', () => {
  const manifest = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string };
  expect(VERSION).toBe(manifest.version);
});
