import { DiagLogLevel } from '@opentelemetry/api';
import { isSdkDisabled, readClusterEnvironment, readConfig, readLogLevel } from '../../src/config/config';
import { captureDiagWarnings } from './helpers/diag-warnings';

// Variables at the ends of their ranges and in their other spellings: the edges a user hits first.
const warnings = captureDiagWarnings();

describe('numeric variables', () => {
  it.each([
    ['SPANLENS_SLOW_QUERY_MS', '0', 'slowQueryThresholdMs', 0],
    ['SPANLENS_SLOW_REQUEST_MS', String(Number.MAX_SAFE_INTEGER), 'slowRequestThresholdMs', Number.MAX_SAFE_INTEGER],
    ['SPANLENS_N_PLUS_ONE_MIN_REPEATS', '2', 'nPlusOneMinRepeats', 2],
    ['SPANLENS_MAX_ROUTES', '1', 'maxRoutes', 1],
    ['OTEL_EXPORTER_PROMETHEUS_PORT', '0', 'metricsPort', 0],
    ['OTEL_EXPORTER_PROMETHEUS_PORT', '65535', 'metricsPort', 65535],
    ['OTEL_TRACES_SAMPLER_ARG', '0', 'tracesSamplerArg', 0],
    ['OTEL_TRACES_SAMPLER_ARG', '1', 'tracesSamplerArg', 1],
  ])('take %s=%s, the end of its range', (variable, value, key, expected) => {
    expect((readConfig({ [variable]: value }) as unknown as Record<string, unknown>)[key]).toBe(expected);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['SPANLENS_SLOW_REQUEST_MS', String(Number.MAX_SAFE_INTEGER + 2), 'a number from 0 to 9007199254740991', 'the default 1000'],
    ['SPANLENS_N_PLUS_ONE_MIN_REPEATS', '1', 'a whole number from 2 to 9007199254740991', 'the default 5'],
    ['SPANLENS_MAX_ROUTES', String(Number.MAX_SAFE_INTEGER + 2), 'a whole number from 1 to 9007199254740991', 'the default 500'],
    ['OTEL_EXPORTER_PROMETHEUS_PORT', '-1', 'a whole number from 0 to 65535', 'the default 9464'],
    ['OTEL_TRACES_SAMPLER_ARG', '1.5', 'a number from 0 to 1', "the OpenTelemetry SDK's default"],
    ['OTEL_TRACES_SAMPLER_ARG', '-0.1', 'a number from 0 to 1', "the OpenTelemetry SDK's default"],
    ['OTEL_TRACES_SAMPLER_ARG', 'half', 'a number from 0 to 1', "the OpenTelemetry SDK's default"],
    ['OTEL_BSP_SCHEDULE_DELAY', '-1', 'a number from 0 to 9007199254740991', "the OpenTelemetry SDK's default"],
    ['OTEL_BSP_MAX_QUEUE_SIZE', '0', 'a number from 1 to 9007199254740991', "the OpenTelemetry SDK's default"],
  ])('refuse %s=%s just past the end, expecting %s and using %s', (variable, value, expected, used) => {
    const config = readConfig({ [variable]: value });
    expect(config).toEqual(readConfig({}));
    expect(warnings).toEqual([`spanlens: ${variable}="${value}" is not valid (expected ${expected}); using ${used}`]);
  });

  it('read the batch span processor settings, each from its own variable, zero delay included', () => {
    const config = readConfig({
      OTEL_BSP_MAX_QUEUE_SIZE: '100',
      OTEL_BSP_SCHEDULE_DELAY: '0',
      OTEL_BSP_EXPORT_TIMEOUT: '3000',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '10',
    });
    expect(config.batchSpanProcessor).toEqual({ maxQueueSize: 100, scheduledDelayMillis: 0, exportTimeoutMillis: 3000, maxExportBatchSize: 10 });
    expect(readConfig({}).batchSpanProcessor).toEqual({});
    expect(warnings).toEqual([]);
  });
});

describe('boolean variables', () => {
  it.each([
    ['1', true],
    ['TRUE', true],
    ['0', false],
    ['False', false],
  ])('read %s as %s', (value, expected) => {
    expect(readConfig({ SPANLENS_RECORD_ALL: value }).recordAll).toBe(expected);
    expect(readConfig({ OTEL_SDK_DISABLED: value }).sdkDisabled).toBe(expected);
    expect(warnings).toEqual([]);
  });

  it('say what they expected when refused', () => {
    readConfig({ SPANLENS_RECORD_ALL: 'yes' });
    expect(warnings).toEqual(['spanlens: SPANLENS_RECORD_ALL="yes" is not valid (expected true or false); using the default true']);
  });
});

describe('variables chosen from a list', () => {
  it('take any case and name every allowed value when refused', () => {
    expect(readConfig({ SPANLENS_RESPONSE_HEADERS: 'Server-Timing' }).responseHeaders).toBe('server-timing');
    expect(readConfig({ SPANLENS_RESPONSE_HEADERS: 'OFF' }).responseHeaders).toBe('off');
    expect(warnings).toEqual([]);
    readConfig({ SPANLENS_RESPONSE_HEADERS: 'some' });
    expect(warnings).toEqual(['spanlens: SPANLENS_RESPONSE_HEADERS="some" is not valid (expected one of off, server-timing, all); using the default off']);
  });

  it('trim the value, and read a blank one as unset', () => {
    expect(readConfig({ SPANLENS_RESPONSE_HEADERS: ' all ' }).responseHeaders).toBe('all');
    expect(readConfig({ SPANLENS_RESPONSE_HEADERS: '   ' }).responseHeaders).toBe('off');
    expect(warnings).toEqual([]);
  });

  it('read OTEL_TRACES_SAMPLER, leaving a bad one to the SDK', () => {
    expect(readConfig({ OTEL_TRACES_SAMPLER: 'always_off' }).tracesSampler).toBe('always_off');
    expect(readConfig({ OTEL_TRACES_SAMPLER: 'coin' }).tracesSampler).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/^spanlens: OTEL_TRACES_SAMPLER="coin" is not valid \(expected one of always_on, .*\); using the OpenTelemetry SDK's default$/)]);
  });
});

describe('lists', () => {
  it('drop empty and repeated entries, and read a list of only commas as unset', () => {
    const config = readConfig({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: ' koa, ,koa,pg ', OTEL_NODE_ENABLED_INSTRUMENTATIONS: ' , ,' });
    expect(config.disabledInstrumentations).toEqual(['koa', 'pg']);
    expect(config.enabledInstrumentations).toBeUndefined();
    expect(readConfig({}).disabledInstrumentations).toEqual([]);
    expect(readConfig({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,pg' }).enabledInstrumentations).toEqual(['http', 'pg']);
  });

  it('name the known values when OTEL_NODE_RESOURCE_DETECTORS lists an unknown one', () => {
    readConfig({ OTEL_NODE_RESOURCE_DETECTORS: 'env,gcp' });
    expect(warnings).toEqual([
      'spanlens: OTEL_NODE_RESOURCE_DETECTORS lists "gcp", which is not one of env, host, os, process, serviceinstance, all, none; skipping it',
    ]);
  });

  it('read SPANLENS_N_PLUS_ONE_IGNORE ending in commas and spaces, and skip repeats', () => {
    expect(readConfig({ SPANLENS_N_PLUS_ONE_IGNORE: 'abc, abc ,, ' }).nPlusOneIgnore).toEqual(['abc']);
    expect(readConfig({ SPANLENS_N_PLUS_ONE_IGNORE: ', ,' }).nPlusOneIgnore).toEqual([]);
    expect(readConfig({ SPANLENS_N_PLUS_ONE_IGNORE: '/a,b/i ,x' }).nPlusOneIgnore).toEqual(['/a,b/i', 'x']);
    expect(readConfig({ SPANLENS_N_PLUS_ONE_IGNORE: 'x,  /a,b/' }).nPlusOneIgnore).toEqual(['x', '/a,b/']);
    expect(readConfig({ SPANLENS_N_PLUS_ONE_IGNORE: '/a\\/b/,x' }).nPlusOneIgnore).toEqual(['/a\\/b/', 'x']);
    // A slash inside the regex followed by more than flags is not its end.
    expect(readConfig({ SPANLENS_N_PLUS_ONE_IGNORE: '/a/ b,c/,x' }).nPlusOneIgnore).toEqual(['/a/ b,c/', 'x']);
  });
});

describe('the service name', () => {
  it('comes from OTEL_SERVICE_NAME first, then from service.name in OTEL_RESOURCE_ATTRIBUTES', () => {
    expect(readConfig({ OTEL_SERVICE_NAME: 'a', OTEL_RESOURCE_ATTRIBUTES: 'service.name=b' }).serviceName).toBe('a');
    expect(readConfig({ OTEL_RESOURCE_ATTRIBUTES: 'team=x, service.name = billing%20api ' }).serviceName).toBe('billing api');
    expect(readConfig({ OTEL_RESOURCE_ATTRIBUTES: 'team=x' }).serviceName).toBeUndefined();
    expect(readConfig({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=%E0%A4%A' }).serviceName).toBeUndefined();
    // The first service.name counts, even when it cannot be decoded; an entry without "=" is no attribute.
    expect(readConfig({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=%E0%A4%A,service.name=b' }).serviceName).toBeUndefined();
    expect(readConfig({ OTEL_RESOURCE_ATTRIBUTES: 'service.name_' }).serviceName).toBeUndefined();
    expect(readConfig({}).serviceName).toBeUndefined();
  });
});

describe('what the SDK configures itself', () => {
  it('knows when OTEL_LOGS_EXPORTER is set', () => {
    expect(readConfig({}).logsExporterConfigured).toBe(false);
    expect(readConfig({ OTEL_LOGS_EXPORTER: 'console', OTEL_LOG_LEVEL: 'debug' }).logsExporterConfigured).toBe(true);
    expect(readConfig({ OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'grpc' }).logsExporterConfigured).toBe(true);
    // Over HTTP the exporter falls back to its default endpoint itself: logs are still exported.
    expect(readConfig({ OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://[::1' }).logsExporterConfigured).toBe(true);
    // Over gRPC spanlens replaces an invalid endpoint with the default, as for traces and metrics.
    const grpcLogs = { OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://[::1' };
    expect(readConfig(grpcLogs)).toMatchObject({ logsExporterConfigured: true, otlpLogsUrl: 'http://localhost:4317' });
  });

  it('reads the metrics protocol from its own variable before the generic one', () => {
    const config = readConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json' });
    expect([config.otlpTracesProtocol, config.otlpMetricsProtocol]).toEqual(['grpc', 'http/json']);
  });

  it('takes a bare host:port as a gRPC endpoint but not as an HTTP one', () => {
    expect(readConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' }).otlpTracesUrl).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(readConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: '127.0.0.1:4317' }).otlpTracesUrl).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector 4318' }).otlpTracesUrl).toBe('http://localhost:4318/v1/traces');
  });

  it('replaces an invalid signal endpoint, with no generic one, by the default of that signal', () => {
    expect(readConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector 4318' }).otlpTracesUrl).toBe('http://localhost:4318/v1/traces');
    expect(warnings).toEqual([
      'spanlens: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="collector 4318" is not valid (expected a URL); using the default http://localhost:4318/v1/traces',
    ]);
  });
});

describe('variables read before the configuration', () => {
  it('OTEL_LOG_LEVEL: warn by default, any case, and a bad one kept to report', () => {
    expect(readLogLevel({})).toEqual({ level: DiagLogLevel.WARN, invalid: undefined });
    expect(readLogLevel({ OTEL_LOG_LEVEL: '  ' })).toEqual({ level: DiagLogLevel.WARN, invalid: undefined });
    expect(readLogLevel({ OTEL_LOG_LEVEL: 'DEBUG' })).toEqual({ level: DiagLogLevel.DEBUG, invalid: undefined });
    expect(readLogLevel({ OTEL_LOG_LEVEL: 'none' })).toEqual({ level: DiagLogLevel.NONE, invalid: undefined });
    expect(readLogLevel({ OTEL_LOG_LEVEL: ' loud ' })).toEqual({ level: DiagLogLevel.WARN, invalid: 'loud' });
  });

  it('OTEL_SDK_DISABLED: true or 1, in any case and spacing; anything else leaves spanlens on', () => {
    expect([' TRUE ', '1'].map((value) => isSdkDisabled({ OTEL_SDK_DISABLED: value }))).toEqual([true, true]);
    expect(['false', '0', 'yes', ''].map((value) => isSdkDisabled({ OTEL_SDK_DISABLED: value }))).toEqual([false, false, false, false]);
    expect(isSdkDisabled({})).toBe(false);
  });

  it('the cluster variables, trimmed, with blank as unset', () => {
    expect(readClusterEnvironment({ NODE_APP_INSTANCE: ' 2 ', SPANLENS_CLUSTER_PRIMARY_PID: '123' })).toEqual({ appInstance: '2', primaryPid: '123' });
    expect(readClusterEnvironment({ NODE_APP_INSTANCE: ' ', SPANLENS_CLUSTER_PRIMARY_PID: ' 77 ' })).toEqual({ appInstance: undefined, primaryPid: '77' });
    expect(readClusterEnvironment({})).toEqual({ appInstance: undefined, primaryPid: undefined });
  });
});
