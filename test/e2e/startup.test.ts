import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppProcess, FIXTURES, REPO_ROOT, freePort } from './helpers/app-process';

/** The modules a preloaded `node -e 0` loads, as file URLs. */
function modulesLoaded(preload: 'require' | 'import', env: Record<string, string>): string[] {
  const directory = mkdtempSync(path.join(tmpdir(), 'spanlens-loads-'));
  const file = path.join(directory, 'loads.json');
  try {
    const register = path.join(REPO_ROOT, preload === 'import' ? 'register.js' : 'register.cjs');
    const result = spawnSync(process.execPath, ['--require', path.join(FIXTURES, 'record-module-loads.cjs'), `--${preload}`, register, '-e', '0'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', MODULE_LOADS_FILE: file, ...env },
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    return (JSON.parse(readFileSync(file, 'utf8')) as string[]).filter((url) => url.startsWith('file:'));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** What spanlens loads when it starts: the SDK, exporters, instrumentations, the SQL parser, its own start-up. */
const STARTING = /@opentelemetry\/(sdk-|exporter-|instrumentation|resources)|libpg-query|\/dist\/src\/(start\/|preload\/preload\.js)/;

describe('starting up', () => {
  it.each(['require', 'import'] as const)('loads nothing of the SDK with OTEL_SDK_DISABLED=true (--%s)', (preload) => {
    // The measure can fail: the same preload without the variable loads the SDK.
    expect(modulesLoaded(preload, { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' }).filter((url) => STARTING.test(url)).length).toBeGreaterThan(0);
    expect(modulesLoaded(preload, { OTEL_SDK_DISABLED: 'true' }).filter((url) => STARTING.test(url))).toEqual([]);
  });

  it('loads only the exporters, propagators and SDK parts the settings name', () => {
    const packages = (env: Record<string, string>): string[] => [
      ...new Set(modulesLoaded('import', { OTEL_EXPORTER_PROMETHEUS_PORT: '0', ...env }).flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? [])),
    ];
    const neverAtStart = ['@opentelemetry/sdk-node', '@opentelemetry/configuration', 'yaml', '@opentelemetry/exporter-zipkin'];
    const byDefault = packages({});
    // The measure can fail: the SDK's parts are there.
    expect(byDefault).toEqual(expect.arrayContaining(['@opentelemetry/sdk-trace', '@opentelemetry/sdk-metrics', '@opentelemetry/exporter-prometheus']));
    expect(byDefault.filter((name) => /exporter-(trace|metrics|logs)-otlp|sdk-logs|grpc-js|propagator-b3/.test(name) || neverAtStart.includes(name))).toEqual([]);

    const named = packages({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_METRICS_EXPORTER: 'otlp', OTEL_LOGS_EXPORTER: 'otlp', OTEL_PROPAGATORS: 'b3' });
    expect(named).toEqual(
      expect.arrayContaining(['@opentelemetry/exporter-metrics-otlp-grpc', '@grpc/grpc-js', '@opentelemetry/sdk-logs', '@opentelemetry/exporter-logs-otlp-grpc', '@opentelemetry/propagator-b3']),
    );
    // No span was exported, so no trace exporter was needed; no other protocol's exporters (the gRPC metric
    // exporter extends the HTTP one's base class, so that package loads too).
    expect(named.filter((name) => /exporter-trace|otlp-proto|exporter-logs-otlp-http/.test(name) || neverAtStart.includes(name))).toEqual([]);
  });

  it.each(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'])(
    'warns once about an invalid %s over grpc and keeps statistics and metrics',
    async (variable) => {
      const metricsPort = await freePort();
      const app = await AppProcess.start({
        app: 'ping-app.mjs',
        env: { [variable]: 'http://[::1', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort) },
      });
      await fetch(app.url('/ping'));
      const stats = (await (await fetch(`http://127.0.0.1:${metricsPort}/stats`)).json()) as { requests: number };
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      await app.stop();

      expect(stats.requests).toBe(1);
      expect(metrics).toMatch(/^spanlens_request_db_queries_count\{http_route="\/ping",[^}]*\} 1$/m);
      // Nothing else is wrong, except that no collector listens on the default endpoint either.
      expect(app.stderr).not.toContain('could not start');
      const warnings = app.stderr.split('\n').filter((line) => line.includes(variable));
      expect(warnings).toEqual([
        `spanlens: ${variable}="http://[::1" is not valid (expected a URL); using the default http://localhost:4317`,
      ]);
    },
  );
});
