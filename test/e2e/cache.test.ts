import { type ChildProcess, spawn } from 'node:child_process';
import { AppProcess, freePort } from './helpers/app-process';
import { OtlpReceiver, type ReceivedSpan, serverRoots } from './helpers/otlp-receiver';
import { TestSchema } from './helpers/postgres';
import { type TracedApp, startTracedApp } from './helpers/traced-app';

const schema = new TestSchema();
beforeAll(() => schema.create());
afterAll(() => schema.drop());

const SHARED_REDIS = 'redis://127.0.0.1:6379';

/** GETs `path` and waits until its request span has reached the receiver, so its counts are recorded. */
async function requestAndWait(traced: TracedApp, path: string): Promise<Response> {
  const before = serverRoots(traced.receiver.spans).length;
  const response = await fetch(traced.app.url(path));
  await response.arrayBuffer();
  await traced.receiver.waitFor((received) => serverRoots(received).length > before);
  return response;
}

function keyvSpans(spans: ReceivedSpan[], root: ReceivedSpan): ReceivedSpan[] {
  return spans.filter((span) => span.traceId === root.traceId && span.name.startsWith('keyv.'));
}

describe.each([
  { variant: 'ES module app, in-memory store', app: 'cache-app.mjs', redis: false, store: 'memory' },
  { variant: 'CommonJS app, in-memory store', app: 'cache-app.cjs', redis: false, store: 'memory' },
  { variant: 'ES module app, Redis through @keyv/redis', app: 'cache-app.mjs', redis: true, store: 'redis' },
  { variant: 'CommonJS app, Redis through @keyv/redis', app: 'cache-app.cjs', redis: true, store: 'redis' },
])('keyv cache-aside in a $variant', ({ app, redis, store }) => {
  // The tests share one app and one cache; each uses user ids of its own, so it passes alone or in any order.
  let traced: TracedApp;
  const namespace = `spanlens-e2e-${process.pid}-${Date.now().toString(36)}-${store}-${app.endsWith('mjs') ? 'esm' : 'cjs'}`;
  beforeAll(async () => {
    traced = await startTracedApp(schema, {
      app,
      env: {
        SPANLENS_RESPONSE_HEADERS: 'all',
        CACHE_NAMESPACE: namespace,
        ...(redis ? { REDIS_URL: SHARED_REDIS } : {}),
      },
    });
  });
  afterAll(() => traced?.stop());
  beforeEach(() => traced.receiver.clear());

  it('misses and runs the query on the first request, then hits and runs none', async () => {
    const first = await fetch(traced.app.url('/settings/3'));
    const second = await fetch(traced.app.url('/settings/3'));
    expect(await first.json()).toEqual(await second.json());
    expect([first.headers.get('x-cache-hit'), first.headers.get('x-query-count')]).toEqual(['miss', '1']);
    expect([second.headers.get('x-cache-hit'), second.headers.get('x-query-count')]).toEqual(['hit', '0']);
    expect(second.headers.get('server-timing')).toContain('cache;desc="1 hit, 0 miss"');

    const spans = await traced.receiver.waitFor((received) => serverRoots(received).length === 2);
    const [missed, hit] = serverRoots(spans).sort((a, b) => Number(a.attributes['spanlens.cache.hits']) - Number(b.attributes['spanlens.cache.hits']));
    expect(missed!.attributes).toMatchObject({ 'spanlens.cache.hits': 0, 'spanlens.cache.misses': 1, 'spanlens.db.query_count': 1 });
    expect(hit!.attributes).toMatchObject({ 'spanlens.cache.hits': 1, 'spanlens.cache.misses': 0, 'spanlens.db.query_count': 0 });

    const lookups = keyvSpans(spans, hit!);
    expect(lookups).toHaveLength(1);
    expect(lookups[0]).toMatchObject({
      name: 'keyv.get',
      kind: 3,
      parentSpanId: hit!.spanId,
      attributes: {
        'spanlens.cache.operation': 'get',
        'spanlens.cache.hit': true,
        'spanlens.cache.namespace': namespace,
        'spanlens.cache.store': store,
        'spanlens.cache.key_pattern': 'user:{id}:settings',
      },
    });
    expect(keyvSpans(spans, missed!).map((span) => span.name)).toEqual(['keyv.get', 'keyv.set']);
    expect(JSON.stringify(spans)).not.toContain('user:3:settings');
  });

  it('counts a getMany with one cached and one new key as a partial hit', async () => {
    await requestAndWait(traced, '/settings/21');
    traced.receiver.clear();
    const response = await fetch(traced.app.url('/settings-batch?ids=21,22'));
    expect(response.headers.get('x-cache-hit')).toBe('partial');
    const spans = await traced.receiver.waitFor((received) => serverRoots(received).length === 1);
    expect(serverRoots(spans)[0]!.attributes).toMatchObject({ 'spanlens.cache.hits': 1, 'spanlens.cache.misses': 1 });
  });

  it('reports one lookup per user on a page as a cache N+1, suggesting getMany', async () => {
    await fetch(traced.app.url('/settings?ids=11,12,13,14,15,16'));
    const spans = await traced.receiver.waitFor((received) => serverRoots(received).length === 1);
    const root = serverRoots(spans)[0]!;
    const findings = root.events.filter((event) => event.name === 'spanlens.n_plus_one');
    // The six misses also run six identical queries and six cache writes: one finding for each shape.
    expect(root.attributes['spanlens.n_plus_one.count']).toBe(3);
    expect(findings.map((event) => String(event.attributes['spanlens.db.query']).split(' ')[0]).sort()).toEqual(['SELECT', 'keyv.get', 'keyv.set']);
    const writes = findings.find((event) => String(event.attributes['spanlens.db.query']).startsWith('keyv.set'));
    expect(String(writes?.attributes['spanlens.n_plus_one.suggestion'])).toContain('setMany');
    const cacheFinding = findings.find((event) => String(event.attributes['spanlens.db.query']).startsWith('keyv.get'));
    expect(cacheFinding?.attributes).toMatchObject({
      'spanlens.db.query': 'keyv.get user:{id}:settings',
      'spanlens.n_plus_one.repeats': 6,
      'spanlens.n_plus_one.parent_span_id': root.spanId,
    });
    expect(String(cacheFinding?.attributes['spanlens.n_plus_one.suggestion'])).toContain('getMany');
  });

  it('reports hits and misses by namespace in the metrics and in /stats', async () => {
    interface CacheTotals {
      operations: Record<string, number>;
      stats: { hits: number; misses: number; hitRate: number; namespaces: Array<{ namespace: string; hits: number; misses: number }> };
    }
    const totals = async (): Promise<CacheTotals> => {
      const metrics = await (await fetch(`http://127.0.0.1:${traced.metricsPort}/metrics`)).text();
      const operations: Record<string, number> = {};
      for (const [operation, result] of [['get', 'hit'], ['get', 'miss'], ['getMany', 'hit'], ['getMany', 'miss'], ['set', 'none']] as const) {
        const series = new RegExp(
          `spanlens_cache_operations_total\\{spanlens_cache_operation="${operation}",spanlens_cache_namespace="${namespace}",spanlens_cache_result="${result}"[^}]*\\} (\\d+)`,
        );
        // A series the exporter has not written yet counts zero.
        operations[`${operation} ${result}`] = Number(metrics.match(series)?.[1] ?? 0);
      }
      const { cache } = (await (await fetch(`http://127.0.0.1:${traced.metricsPort}/stats`)).json()) as { cache: CacheTotals['stats'] };
      return { operations, stats: cache };
    };

    // Whatever the other tests counted before: this test's requests add one of each.
    const before = await totals();
    await requestAndWait(traced, '/settings/41'); // get: miss, then set
    await requestAndWait(traced, '/settings/41'); // get: hit
    await requestAndWait(traced, '/settings-batch?ids=41,42'); // getMany: one hit, one miss
    const after = await totals();

    const added = Object.fromEntries(Object.entries(after.operations).map(([series, count]) => [series, count - (before.operations[series] ?? 0)]));
    expect(added).toEqual({ 'get hit': 1, 'get miss': 1, 'getMany hit': 1, 'getMany miss': 1, 'set none': 1 });
    expect([after.stats.hits - before.stats.hits, after.stats.misses - before.stats.misses]).toEqual([2, 2]);
    // /stats rounds rates to 4 decimals.
    expect(after.stats.hitRate).toBeCloseTo(after.stats.hits / (after.stats.hits + after.stats.misses), 4);
    expect(after.stats.namespaces).toEqual([expect.objectContaining({ namespace, hits: after.stats.hits, misses: after.stats.misses })]);
  });
});

describe('when Redis stops mid-run', () => {
  async function startRedis(port: number): Promise<ChildProcess> {
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let attempt = 0; attempt < 50; attempt++) {
      const up = await fetch(`http://127.0.0.1:${port}`).then(
        () => true,
        (error: { cause?: { code?: string } }) => error.cause?.code !== 'ECONNREFUSED',
      );
      if (up) return server;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('redis-server did not start');
  }

  async function scenario(preload: 'import' | 'none', extraEnv: Record<string, string>) {
    const port = await freePort();
    let redis = await startRedis(port);
    const app = await AppProcess.start({
      app: 'cache-app.mjs',
      preload,
      env: { ...schema.env(), REDIS_URL: `redis://127.0.0.1:${port}`, CACHE_NAMESPACE: 'stop-test', ...extraEnv },
    });
    const seen: Array<{ status: number; body: string }> = [];
    const get = async (path: string) => {
      const response = await fetch(app.url(path));
      seen.push({ status: response.status, body: await response.text() });
    };
    try {
      await get('/settings/5');
      await get('/settings/5');
      const stopped = new Promise((resolve) => redis.once('exit', resolve));
      redis.kill('SIGKILL');
      await stopped;
      await new Promise((resolve) => setTimeout(resolve, 300));
      await get('/settings/5');
      await get('/settings/6');
      await get('/settings-batch?ids=5,6');
      redis = await startRedis(port);
    } finally {
      await app.stop();
      redis.kill('SIGKILL');
    }
    return seen;
  }

  it('records the errors on the cache spans and leaves what the app answers unchanged', async () => {
    const uninstrumented = await scenario('none', {});

    const receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    const instrumented = await scenario('import', {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(await freePort()),
    });
    await receiver.stop();

    expect(instrumented).toEqual(uninstrumented);
    expect(instrumented.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    const failed = receiver.spans.filter((span) => span.name.startsWith('keyv.') && span.statusCode === 2);
    expect(failed.length).toBeGreaterThan(0);
    for (const span of failed) expect(span.events.map((event) => event.name)).toContain('exception');
    // Before Redis stopped, nothing failed.
    const beforeStop = receiver.spans.filter((span) => span.name.startsWith('keyv.')).slice(0, 3);
    expect(beforeStop.map((span) => span.statusCode)).toEqual([0, 0, 0]);
  });
});
