import { type ReceivedSpan, serverRoots } from './helpers/otlp-receiver';
import { TestSchema } from './helpers/postgres';
import { type TracedApp, startTracedApp } from './helpers/traced-app';

const schema = new TestSchema();
let traced: TracedApp;

beforeAll(async () => {
  await schema.create();
  traced = await startTracedApp(schema, { app: 'http-app.mjs', preload: 'import', env: { OTEL_SERVICE_NAME: 'meetings-http' } });
});

afterAll(async () => {
  await traced?.stop();
  await schema.drop();
});

beforeEach(() => traced.receiver.clear());

function childrenOf(spans: ReceivedSpan[], parent: ReceivedSpan): ReceivedSpan[] {
  return spans.filter((span) => span.traceId === parent.traceId && span.spanId !== parent.spanId);
}

describe('a plain http ES module app preloaded with --import ./register.js', () => {
  it('writes the query count, database time and slow flags onto the request span', async () => {
    const response = await fetch(traced.app.url('/meetings/7'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { attendees: number[] };
    expect(body.attendees).toHaveLength(3);

    const spans = await traced.receiver.waitFor((received) => serverRoots(received).length === 1);
    const [root] = serverRoots(spans);
    expect(root!.serviceName).toBe('meetings-http');
    expect(root!.attributes).toMatchObject({
      'spanlens.db.query_count': 3,
      'spanlens.db.slow_query_count': 0,
      'spanlens.slow': false,
      'spanlens.cache.hits': 0,
      'spanlens.cache.misses': 0,
    });
    await traced.receiver.waitFor(
      (received) => childrenOf(received, root!).filter((span) => span.name.startsWith('pg.query')).length === 3,
    );
    expect(root!.attributes['spanlens.db.duration_ms']).toBeGreaterThan(0);
  });

  it('counts exactly under 50 concurrent requests', async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(traced.app.url(`/meetings/${1 + i}`))));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    const spans = await traced.receiver.waitFor((received) => serverRoots(received).length === 50);
    const counts = serverRoots(spans).map((root) => root.attributes['spanlens.db.query_count']);
    expect(counts).toEqual(Array(50).fill(3));
  });

  it('flags a pg_sleep(0.25) query as slow on the query span and on its request', async () => {
    const response = await fetch(traced.app.url('/report'));
    expect(response.status).toBe(200);
    const spans = await traced.receiver.waitFor((received) => serverRoots(received).length === 1 && received.some((s) => s.attributes['spanlens.db.slow'] === true));
    const [root] = serverRoots(spans);
    expect(root!.attributes).toMatchObject({ 'spanlens.db.query_count': 1, 'spanlens.db.slow_query_count': 1 });
    expect(root!.attributes['spanlens.db.duration_ms']).toBeGreaterThanOrEqual(250);
    const slow = spans.filter((span) => span.attributes['spanlens.db.slow'] === true);
    expect(slow).toHaveLength(1);
    expect(slow[0]!.traceId).toBe(root!.traceId);
    expect(String(slow[0]!.attributes['db.query.text'])).toContain('pg_sleep');
  });

  it('serves the spanlens metrics labelled by templated route on /metrics', async () => {
    await fetch(traced.app.url('/meetings/12'));
    const text = await (await fetch(`http://127.0.0.1:${traced.metricsPort}/metrics`)).text();
    expect(text).toMatch(/spanlens_request_db_queries_sum\{http_route="\/meetings\/\{id\}",http_request_method="GET"[^}]*\} \d+/);
    expect(text).toMatch(/spanlens_db_slow_queries_total\{http_route="\/report",db_query_summary="SELECT meetings"[^}]*\} 1/);
    expect(text).toMatch(/http_server_request_duration_count\{/);
    expect(text).toMatch(/db_client_operation_duration_count\{/);
    expect(text).not.toContain('/meetings/12');
  });
});
