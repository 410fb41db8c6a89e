import { AppProcess, freePort } from './helpers/app-process';
import { TestSchema } from './helpers/postgres';

const schema = new TestSchema();
beforeAll(() => schema.create());
afterAll(() => schema.drop());

interface Snapshot {
  service: string;
  requests: number;
  endpoints: Array<{ route: string; requests: number; dbQueriesAvg: number }>;
  slowQueries: Array<{ count: number }>;
}

describe('start() called by the app itself', () => {
  it('applies options given in code over the variables and returns the statistics', async () => {
    const metricsPort = await freePort();
    const app = await AppProcess.start({
      app: 'programmatic-app.cjs',
      preload: 'none',
      env: { ...schema.env(), SPANLENS_SLOW_QUERY_MS: '5000', OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort) },
    });
    try {
      for (let i = 0; i < 3; i++) expect((await fetch(app.url('/meetings/4'))).status).toBe(200);
      const statistics = (await (await fetch(app.url('/statistics'))).json()) as Snapshot;
      expect(statistics.service).toBe('programmatic');
      expect(statistics.endpoints.find((endpoint) => endpoint.route === '/meetings/{id}')).toMatchObject({ requests: 3, dbQueriesAvg: 3 });
      // slowQueryThresholdMs: 0 in code beats SPANLENS_SLOW_QUERY_MS=5000: every query is slow.
      expect(statistics.slowQueries.reduce((sum, query) => sum + query.count, 0)).toBe(9);
      // The /statistics request itself ended after its snapshot was taken.
      expect(await (await fetch(`http://127.0.0.1:${metricsPort}/stats`)).json()).toMatchObject({ requests: statistics.requests + 1 });
    } finally {
      await app.stop();
    }
  });

  it('warns about invalid options in code, names them, and keeps serving', async () => {
    const metricsPort = await freePort();
    const app = await AppProcess.start({
      app: 'programmatic-app.cjs',
      preload: 'none',
      env: { ...schema.env(), BAD_OPTION: '1', OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort) },
    });
    try {
      expect((await fetch(app.url('/meetings/4'))).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/stats`)).status).toBe(200);
    } finally {
      await app.stop();
    }
    expect(app.stderr).toContain('option metricsPort=70000 is not valid');
    expect(app.stderr).toContain('option slowRequestThresholdMs=-1 is not valid');
  });
});
