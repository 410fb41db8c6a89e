import { AppProcess } from './helpers/app-process';
import { serverRoots } from './helpers/otlp-receiver';
import { TestSchema } from './helpers/postgres';
import { startTracedApp } from './helpers/traced-app';

const schema = new TestSchema();
beforeAll(() => schema.create());
afterAll(() => schema.drop());

async function metricsOf(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

describe('SPANLENS_RESPONSE_HEADERS', () => {
  it('leaves responses byte for byte as the app sends them when off (the default)', async () => {
    const answer = async (app: AppProcess) => {
      const response = await fetch(app.url('/meetings/2'));
      const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== 'date'));
      return { status: response.status, headers, body: await response.text() };
    };
    const plain = await AppProcess.start({ app: 'express-app.cjs', preload: 'none', env: schema.env() });
    const expected = await answer(plain);
    await plain.stop();
    const traced = await startTracedApp(schema, { app: 'express-app.cjs' });
    try {
      expect(await answer(traced.app)).toEqual(expected);
      // And spanlens was there, counting that very request.
      const [root] = serverRoots(await traced.receiver.waitFor((received) => serverRoots(received).length === 1));
      expect(root!.attributes['spanlens.db.query_count']).toBe(3);
    } finally {
      await traced.stop();
    }
  });

  it('adds Server-Timing with the query count, and with "all" the response time and query count headers', async () => {
    const traced = await startTracedApp(schema, { app: 'express-app.cjs', env: { SPANLENS_RESPONSE_HEADERS: 'all' } });
    try {
      const response = await fetch(traced.app.url('/meetings/2'));
      const timing = /^db;dur=(\d+\.\d);desc="3 queries", total;dur=(\d+\.\d), traceparent;desc="[^"]+"$/.exec(response.headers.get('server-timing') ?? '');
      expect(timing).not.toBeNull();
      // The handler writes its response after its three queries: the header's database time is the request's.
      const [root] = serverRoots(await traced.receiver.waitFor((received) => serverRoots(received).length === 1));
      const dbMs = Number(root!.attributes['spanlens.db.duration_ms']);
      expect(dbMs).toBeGreaterThan(0);
      expect(Math.abs(Number(timing![1]) - dbMs)).toBeLessThanOrEqual(0.05 + 1e-9);
      expect(Number(timing![2])).toBeGreaterThanOrEqual(Number(timing![1]));
      expect(response.headers.get('x-query-count')).toBe('3');
      expect(Number(response.headers.get('x-response-time-ms'))).toBeGreaterThan(0);
      expect(response.headers.get('x-cache-hit')).toBeNull();
      expect(((await response.json()) as { attendees: number[] }).attendees).toHaveLength(3);
    } finally {
      await traced.stop();
    }
  });

  it('adds only Server-Timing with "server-timing"', async () => {
    const traced = await startTracedApp(schema, { app: 'http-app.mjs', env: { SPANLENS_RESPONSE_HEADERS: 'server-timing' } });
    try {
      const response = await fetch(traced.app.url('/health'));
      expect(response.headers.get('server-timing')).toMatch(/^db;dur=0\.0;desc="0 queries", total;dur=/);
      expect(response.headers.get('x-query-count')).toBeNull();
    } finally {
      await traced.stop();
    }
  });

  it("links the response to its trace: Server-Timing's traceparent holds the exported request span's trace and span ids", async () => {
    const traced = await startTracedApp(schema, { app: 'express-app.cjs', env: { SPANLENS_RESPONSE_HEADERS: 'server-timing' } });
    try {
      const headers = await Promise.all([1, 2].map(async (id) => (await fetch(traced.app.url(`/meetings/${id}`))).headers.get('server-timing') ?? ''));
      const roots = serverRoots(await traced.receiver.waitFor((received) => serverRoots(received).length === 2));
      const exported = roots.map((root) => `traceparent;desc="00-${root.traceId}-${root.spanId}-01"`).sort();
      expect(headers.map((header) => /traceparent;desc="[^"]*"/.exec(header)?.[0]).sort()).toEqual(exported);
    } finally {
      await traced.stop();
    }
  });
});

describe('SPANLENS_RECORD_ALL', () => {
  it('counts every request in the metrics even when the sampler drops all traces, and exports none', async () => {
    const traced = await startTracedApp(schema, { app: 'http-app.mjs', env: { OTEL_TRACES_SAMPLER: 'always_off' } });
    try {
      for (let i = 1; i <= 4; i++) await fetch(traced.app.url(`/meetings/${i}`));
      const metrics = await metricsOf(traced.metricsPort);
      expect(metrics).toMatch(/spanlens_request_db_queries_sum\{http_route="\/meetings\/\{id\}"[^}]*\} 12/);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(traced.receiver.spans).toEqual([]);
    } finally {
      await traced.stop();
    }
  });

  it('counts only sampled requests when turned off', async () => {
    const traced = await startTracedApp(schema, {
      app: 'http-app.mjs',
      env: { OTEL_TRACES_SAMPLER: 'always_off', SPANLENS_RECORD_ALL: 'false' },
    });
    try {
      for (let i = 1; i <= 4; i++) await fetch(traced.app.url(`/meetings/${i}`));
      expect(await metricsOf(traced.metricsPort)).not.toContain('spanlens_request_db_queries_sum');
    } finally {
      await traced.stop();
    }
  });
});

describe('OTEL_NODE_DISABLED_INSTRUMENTATIONS / OTEL_NODE_ENABLED_INSTRUMENTATIONS', () => {
  it('leaves pg uninstrumented when disabled, so requests count no queries', async () => {
    const traced = await startTracedApp(schema, { app: 'http-app.mjs', env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg' } });
    try {
      await fetch(traced.app.url('/meetings/1'));
      const spans = await traced.receiver.waitFor((received) => serverRoots(received).length === 1);
      expect(serverRoots(spans)[0]!.attributes['spanlens.db.query_count']).toBe(0);
      expect(spans.filter((span) => span.name.startsWith('pg'))).toEqual([]);
    } finally {
      await traced.stop();
    }
  });

  it('loads only the listed instrumentations when enabled is set', async () => {
    const traced = await startTracedApp(schema, { app: 'http-app.mjs', env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'pg' } });
    try {
      await fetch(traced.app.url('/meetings/1'));
      // Without the http instrumentation there is no request span: each query is a root of its own.
      const spans = await traced.receiver.waitFor((received) => received.filter((span) => span.name.startsWith('pg.query')).length === 3);
      expect(serverRoots(spans)).toEqual([]);
    } finally {
      await traced.stop();
    }
  });
});
