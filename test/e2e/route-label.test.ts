import { type MetricSample, parseMetrics, sumOf } from './helpers/metrics-text';
import { serverRoots } from './helpers/otlp-receiver';
import { TestSchema } from './helpers/postgres';
import { type TracedApp, startTracedApp } from './helpers/traced-app';

const schema = new TestSchema();
beforeAll(() => schema.create());
afterAll(() => schema.drop());

describe.each([
  { app: 'plain http (ES module, --import)', fixture: 'http-app.mjs', preload: 'import' as const, route: '/meetings/{id}' },
  { app: 'Express (CommonJS, --require)', fixture: 'express-app.cjs', preload: 'require' as const, route: '/meetings/:id' },
])('one http_route on every request metric: $app', ({ fixture, preload, route }) => {
  let traced: TracedApp;
  let metrics: MetricSample[];

  beforeAll(async () => {
    traced = await startTracedApp(schema, { app: fixture, preload });
    for (let id = 1; id <= 6; id += 1) expect((await fetch(traced.app.url(`/meetings/${id}`))).status).toBe(200);
    for (const path of ['/no-such-page/1', '/wp-login.php']) expect((await fetch(traced.app.url(path))).status).toBe(404);
    await traced.receiver.waitFor((received) => serverRoots(received).length === 8);
    metrics = parseMetrics(await (await fetch(`http://127.0.0.1:${traced.metricsPort}/metrics`)).text());
  });
  afterAll(() => traced?.stop());

  it("labels upstream's http_server_request_duration with the route spanlens' own metrics use", () => {
    expect(sumOf(metrics, 'spanlens_request_db_queries_count', { http_route: route })).toBe(6);
    expect(sumOf(metrics, 'http_server_request_duration_count', { http_route: route })).toBe(6);
  });

  it('labels requests no route matched UNMATCHED on both, never with their path', () => {
    expect(sumOf(metrics, 'spanlens_request_db_queries_count', { http_route: 'UNMATCHED' })).toBe(2);
    expect(sumOf(metrics, 'http_server_request_duration_count', { http_route: 'UNMATCHED', http_response_status_code: '404' })).toBe(2);
    expect(metrics.some((sample) => Object.values(sample.labels).some((value) => value.includes('wp-login') || value.includes('no-such-page')))).toBe(false);
  });

  it('leaves no request duration series without a route', () => {
    const durations = metrics.filter((sample) => sample.name === 'http_server_request_duration_count');
    expect(durations.length).toBeGreaterThan(0);
    expect(durations.filter((sample) => sample.labels['http_route'] === undefined)).toEqual([]);
  });

  it('gives the request span the same route, and names it by it', () => {
    const roots = serverRoots(traced.receiver.spans).filter((root) => root.attributes['http.response.status_code'] === 200);
    expect(roots).toHaveLength(6);
    expect(new Set(roots.map((root) => root.attributes['http.route']))).toEqual(new Set([route]));
    expect(new Set(roots.map((root) => root.name))).toEqual(new Set([`GET ${route}`]));
  });

  it("counts the requests' merged database time per route, for the database time share", () => {
    const dbSeconds = sumOf(metrics, 'spanlens_request_db_duration_total', { http_route: route, http_request_method: 'GET' });
    const requestSeconds = sumOf(metrics, 'http_server_request_duration_sum', { http_route: route });
    const dbMsOnSpans = serverRoots(traced.receiver.spans)
      .filter((root) => root.attributes['http.route'] === route)
      .reduce((total, root) => total + Number(root.attributes['spanlens.db.duration_ms']), 0);
    expect(dbSeconds).toBeGreaterThan(0);
    expect(dbSeconds).toBeLessThanOrEqual(requestSeconds);
    // The spans carry each request's database time rounded to 0.1 ms.
    expect(Math.abs(dbSeconds * 1000 - dbMsOnSpans)).toBeLessThan(0.06 * 6);
    expect(sumOf(metrics, 'spanlens_request_db_duration_total', { http_route: 'UNMATCHED' })).toBe(0);
  });
});
