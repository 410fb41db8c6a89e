import { type MetricSample, parseMetrics, sumOf } from './helpers/metrics-text';
import { serverRoots } from './helpers/otlp-receiver';
import { TestSchema } from './helpers/postgres';
import { type TracedApp, startTracedApp } from './helpers/traced-app';

const schema = new TestSchema();
beforeAll(() => schema.create());
afterAll(() => schema.drop());

async function metricsOf(traced: TracedApp): Promise<MetricSample[]> {
  return parseMetrics(await (await fetch(`http://127.0.0.1:${traced.metricsPort}/metrics`)).text());
}

function labelValues(metrics: MetricSample[]): string[] {
  return metrics.flatMap((sample) => Object.values(sample.labels));
}

describe.each([
  // NestJS 12 loads Express and Fastify as ES modules: only the --import preload can instrument them.
  { framework: 'Fastify 5 (--require)', fixture: 'fastify-app.cjs', env: {} as Record<string, string>, posts: '/users/:name/posts' },
  { framework: 'NestJS on Express (--import)', fixture: 'nest-app.cjs', env: { NEST_ADAPTER: 'express' }, posts: '/users/:id/posts' },
  { framework: 'NestJS on Fastify (--import)', fixture: 'nest-app.cjs', env: { NEST_ADAPTER: 'fastify' }, posts: '/users/:id/posts' },
])('$framework: routes come from the framework', ({ fixture, env, posts }) => {
  let traced: TracedApp;
  let metrics: MetricSample[];

  beforeAll(async () => {
    traced = await startTracedApp(schema, { app: fixture, preload: fixture.startsWith('nest') ? 'import' : 'require', env });
    for (const id of [3, 4, 5]) expect((await fetch(traced.app.url(`/meetings/${id}`))).status).toBe(200);
    for (const name of ['abc-def', 'alice.smith']) expect((await fetch(traced.app.url(`/users/${name}/posts`))).status).toBe(200);
    expect((await fetch(traced.app.url('/no/such/page'))).status).toBe(404);
    await traced.receiver.waitFor((received) => serverRoots(received).length === 6);
    metrics = await metricsOf(traced);
  });
  afterAll(() => traced?.stop());

  it('labels requests, spans and metrics alike, with its route template', () => {
    expect(sumOf(metrics, 'spanlens_request_db_queries_count', { http_route: '/meetings/:id' })).toBe(3);
    expect(sumOf(metrics, 'http_server_request_duration_count', { http_route: '/meetings/:id' })).toBe(3);
    expect(sumOf(metrics, 'spanlens_request_db_queries_count', { http_route: posts })).toBe(2);
    expect(sumOf(metrics, 'http_server_request_duration_count', { http_route: posts })).toBe(2);
    expect(sumOf(metrics, 'http_server_request_duration_count', { http_route: 'UNMATCHED' })).toBe(1);
    const meetingRoots = serverRoots(traced.receiver.spans).filter((root) => root.attributes['http.route'] === '/meetings/:id');
    expect(meetingRoots.map((root) => root.attributes['spanlens.db.query_count'])).toEqual([3, 3, 3]);
  });

  it('never puts a slug or a name from the URL into a label or a route', () => {
    const values = [...labelValues(metrics), ...serverRoots(traced.receiver.spans).map((root) => String(root.attributes['http.route']))];
    expect(values.filter((value) => /abc-def|alice|no\/such/.test(value))).toEqual([]);
  });
});

describe.each([
  { app: 'plain http', env: {} as Record<string, string>, meeting: '/meetings/{id}', settings: '/users/{id}/settings' },
  { app: 'Express with static files', env: { FRAMEWORK: 'express' }, meeting: '/meetings/:id', settings: '/users/:id/settings' },
])('$app under a scan: the route budget is kept for real routes', ({ env, meeting, settings }) => {
  let traced: TracedApp;
  let metrics: MetricSample[];
  const rounds = 150;

  beforeAll(async () => {
    // A budget of five routes, against 600 distinct probes and static files.
    traced = await startTracedApp(schema, { app: 'scanned-app.cjs', preload: 'require', env: { ...env, SPANLENS_MAX_ROUTES: '5' } });
    for (let i = 0; i < rounds; i += 1) {
      const junk = [`/wp-admin/setup-${i}.php`, `/.env.${i}`, `/assets/logo-${i}.png`, `/chunk-${i}.js`];
      const real = [`/meetings/${i}`, `/users/${i}/settings`, '/report'];
      const statuses = await Promise.all([...junk, ...real].map(async (path) => (await fetch(traced.app.url(path))).status));
      expect(statuses).toEqual([401, 401, 200, 200, 200, 200, 200]);
    }
    metrics = await metricsOf(traced);
  });
  afterAll(() => traced?.stop());

  it('gives every real route its own label, on spanlens metrics and upstream duration alike', () => {
    for (const route of [meeting, settings, '/report']) {
      expect(sumOf(metrics, 'spanlens_request_db_queries_count', { http_route: route })).toBe(rounds);
      expect(sumOf(metrics, 'http_server_request_duration_count', { http_route: route })).toBe(rounds);
    }
    expect(sumOf(metrics, 'spanlens_request_db_queries_count', { http_route: 'OTHER' })).toBe(0);
  });

  it('makes no label of a probe or a file name', () => {
    expect(labelValues(metrics).filter((value) => /wp-admin|\.env|logo|chunk/.test(value))).toEqual([]);
  });
});
