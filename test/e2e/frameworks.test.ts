import { serverRoots } from './helpers/otlp-receiver';
import { TestSchema } from './helpers/postgres';
import { type TracedApp, startTracedApp } from './helpers/traced-app';

const schema = new TestSchema();
beforeAll(() => schema.create());
afterAll(() => schema.drop());

describe.each([
  { framework: 'Express (CommonJS, --require)', app: 'express-app.cjs', preload: 'require' as const },
  { framework: 'Express (CommonJS, --import)', app: 'express-app.cjs', preload: 'import' as const },
  { framework: 'Koa (ES module, --import)', app: 'koa-app.mjs', preload: 'import' as const },
])('$framework', ({ app: fixture, preload }) => {
  let traced: TracedApp;
  beforeAll(async () => {
    traced = await startTracedApp(schema, { app: fixture, preload });
  });
  afterAll(() => traced?.stop());
  beforeEach(() => traced.receiver.clear());

  it('counts exactly three queries on each of 50 concurrent meeting pages and uses the framework route', async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(traced.app.url(`/meetings/${1 + i}`))));
    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(200));
    const spans = await traced.receiver.waitFor((received) => serverRoots(received).length === 50);
    const roots = serverRoots(spans);
    expect(roots.map((root) => root.attributes['spanlens.db.query_count'])).toEqual(Array(50).fill(3));
    expect(new Set(roots.map((root) => root.attributes['http.route']))).toEqual(new Set(['/meetings/:id']));
  });

  it('flags the pg_sleep(0.25) report query as slow', async () => {
    await fetch(traced.app.url('/report'));
    const spans = await traced.receiver.waitFor((received) => received.some((span) => span.attributes['spanlens.db.slow'] === true) && serverRoots(received).length === 1);
    expect(serverRoots(spans)[0]!.attributes).toMatchObject({ 'spanlens.db.query_count': 1, 'spanlens.db.slow_query_count': 1 });
  });

  it('labels metrics with the framework route', async () => {
    const text = await (await fetch(`http://127.0.0.1:${traced.metricsPort}/metrics`)).text();
    expect(text).toMatch(/spanlens_request_db_queries_count\{http_route="\/meetings\/:id",http_request_method="GET"[^}]*\} 50/);
    expect(text).toMatch(/spanlens_db_slow_queries_total\{http_route="\/report",db_query_summary="SELECT meetings"[^}]*\} 1/);
  });

  it('serves exact counts and ordered percentiles on /stats', async () => {
    const stats = (await (await fetch(`http://127.0.0.1:${traced.metricsPort}/stats`)).json()) as {
      requests: number;
      endpoints: Array<Record<string, number | string | null>>;
      slowQueries: Array<{ query: string; count: number; maxMs: number }>;
    };
    expect(stats.requests).toBe(51);
    const meetings = stats.endpoints.find((endpoint) => endpoint['route'] === '/meetings/:id')!;
    expect(meetings).toMatchObject({ method: 'GET', requests: 50, dbQueriesAvg: 3, dbQueriesMax: 3, slow: 0, nPlusOne: 0 });
    const ordered = ['minMs', 'p50Ms', 'p95Ms', 'p99Ms', 'maxMs'].map((key) => Number(meetings[key]));
    expect([...ordered].sort((a, b) => a - b)).toEqual(ordered);
    // The report's pg_sleep(0.25) is slow; on a starved machine a meeting query may be too, so look it up.
    const sleep = stats.slowQueries.find((slowQuery) => slowQuery.query.includes('pg_sleep('));
    expect(sleep).toMatchObject({ count: 1 });
    expect(sleep!.maxMs).toBeGreaterThanOrEqual(250);
    expect(sleep!.query).not.toContain('0.25');
  });
});
