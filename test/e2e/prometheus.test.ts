import { serverRoots } from './helpers/otlp-receiver';
import { PrometheusServer } from './helpers/prometheus';
import { TestSchema } from './helpers/postgres';
import { type TracedApp, startTracedApp } from './helpers/traced-app';

const schema = new TestSchema();
let traced: TracedApp;
let prometheus: PrometheusServer;

beforeAll(async () => {
  await schema.create();
  traced = await startTracedApp(schema, {
    app: 'express-app.cjs',
    preload: 'import',
    env: { SPANLENS_SLOW_REQUEST_MS: '200' },
  });
  prometheus = new PrometheusServer([`127.0.0.1:${traced.metricsPort}`]);
  await prometheus.start();
});

afterAll(async () => {
  await prometheus?.stop();
  await traced?.stop();
  await schema.drop();
});

describe('metrics scraped by a real Prometheus server', () => {
  beforeAll(async () => {
    for (let i = 1; i <= 10; i++) await fetch(traced.app.url(`/meetings/${i}`));
    await fetch(traced.app.url('/report'));
  });

  const value = (samples: { value: [number, string] }[]) => Number(samples[0]?.value[1]);

  it('reads the queries-per-request histogram by route and method', async () => {
    const sum = await prometheus.waitFor('spanlens_request_db_queries_sum{http_route="/meetings/:id",http_request_method="GET"}', (s) => value(s) === 30);
    expect(value(sum)).toBe(30);
    const count = await prometheus.query('spanlens_request_db_queries_count{http_route="/meetings/:id"}');
    expect(value(count)).toBe(10);
    const atMostThree = await prometheus.query('spanlens_request_db_queries_bucket{http_route="/meetings/:id",le="3"}');
    expect(value(atMostThree)).toBe(10);
  });

  it('counts the slow query and the slow request of the report route', async () => {
    const slowQueries = await prometheus.waitFor('spanlens_db_slow_queries_total{http_route="/report"}', (s) => s.length === 1);
    expect(slowQueries[0]!.metric['db_query_summary']).toBe('SELECT meetings');
    expect(value(slowQueries)).toBe(1);
    const slowRequests = await prometheus.waitFor('spanlens_request_slow_total{http_route="/report",http_request_method="GET"}', (s) => s.length === 1);
    expect(value(slowRequests)).toBe(1);
    // The meeting pages are quick, but a loaded machine can make the first one slow: count as the spans say.
    const roots = serverRoots(await traced.receiver.waitFor((received) => serverRoots(received).length === 11));
    const slowMeetings = roots.filter((root) => root.attributes['http.route'] === '/meetings/:id' && root.attributes['spanlens.slow'] === true).length;
    const slowMeetingSeries = await prometheus.query('spanlens_request_slow_total{http_route="/meetings/:id"}');
    expect(slowMeetingSeries.length === 0 ? 0 : value(slowMeetingSeries)).toBe(slowMeetings);
  });

  it("serves upstream's request and database duration histograms next to spanlens' own", async () => {
    const requests = await prometheus.waitFor('sum(http_server_request_duration_count{http_route="/meetings/:id"})', (s) => value(s) === 10);
    expect(value(requests)).toBe(10);
    const operations = await prometheus.waitFor('sum(db_client_operation_duration_count)', (s) => value(s) >= 31);
    expect(value(operations)).toBeGreaterThanOrEqual(31);
  });
});
