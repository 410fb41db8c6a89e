import { type Context, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Tracer, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { MAX_DETECTION_SPANS_IN_FLIGHT, RequestStatisticsProcessor } from '../../src/processors/request-statistics-processor';
import { MAX_DETECTION_SPANS_PER_REQUEST } from '../../src/processors/request-state';
import type { RequestSummary } from '../../src/processors/request-summary';
import type { DbQueryTextMode } from '../../src/config/config';
import { captureDiagWarnings } from './helpers/diag-warnings';

const SLOW_QUERY_MS = 50;

interface Harness {
  tracer: Tracer;
  exporter: InMemorySpanExporter;
  processor: RequestStatisticsProcessor;
  summaries: RequestSummary[];
  /** The data points of one spanlens metric, as the meter provider's reader collects them now. */
  points: (metricName: string) => Promise<Array<{ attributes: Record<string, unknown>; value: unknown }>>;
}

/** Collects on demand, to read what the spanlens instruments hold. */
class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

function harness(options: { maxInFlightRequests?: number; maxRoutes?: number; dbQueryText?: DbQueryTextMode; exportSpans?: boolean } = {}): Harness {
  const exporter = new InMemorySpanExporter();
  const reader = new CollectingReader();
  const processor = new RequestStatisticsProcessor({
    slowQueryThresholdMs: SLOW_QUERY_MS,
    slowRequestThresholdMs: 1000,
    maxRoutes: options.maxRoutes ?? 10,
    meterProvider: new MeterProvider({ readers: [reader] }),
    ...(options.maxInFlightRequests === undefined ? {} : { maxInFlightRequests: options.maxInFlightRequests }),
    ...(options.dbQueryText === undefined ? {} : { dbQueryText: options.dbQueryText }),
  });
  // Tests of hundreds of thousands of spans leave the exporter out: it would keep every one of them.
  const spanProcessors = options.exportSpans === false ? [processor] : [processor, new SimpleSpanProcessor({ exporter })];
  const provider = new TracerProvider({ spanProcessors });
  const summaries: RequestSummary[] = [];
  processor.onRequestEnd((summary) => summaries.push(summary));
  const points = async (metricName: string) => {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((each) => each.descriptor.name === metricName);
    if (metric === undefined) return [];
    return metric.dataPointType === DataPointType.HISTOGRAM
      ? metric.dataPoints.map((point) => ({ attributes: point.attributes, value: { count: point.value.count, sum: point.value.sum } }))
      : metric.dataPoints.map((point) => ({ attributes: point.attributes, value: point.value }));
  };
  return { tracer: provider.getTracer('test'), exporter, processor, summaries, points };
}

/** Stryker's jest config sets this global to leave out the tests too slow to run once per mutant. */
const itUnlessMutationRun = (globalThis as { SPANLENS_SKIP_SLOW_TESTS?: boolean }).SPANLENS_SKIP_SLOW_TESTS ? it.skip : it;

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
afterAll(() => context.disable());

const warnings = captureDiagWarnings();

/** Starts a database span the way instrumentation-pg does, ended after `durationMs` of span time. */
function query(tracer: Tracer, parent: Context, text: string, durationMs = 1, start = Date.now()): void {
  const span = tracer.startSpan(
    'pg.query:SELECT test',
    { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': text }, startTime: start },
    parent,
  );
  span.end(start + durationMs);
}

function serverSpan(tracer: Tracer, path: string, parent: Context = ROOT_CONTEXT) {
  return tracer.startSpan(
    'GET',
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': path } },
    parent,
  );
}

function exported(exporter: InMemorySpanExporter, name: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.name === name);
}

describe('RequestStatisticsProcessor', () => {
  it('counts the database spans nested at any depth under a request and adds up their time', () => {
    const { tracer, exporter } = harness();
    const root = serverSpan(tracer, '/meetings/42');
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    const start = Date.now();
    query(tracer, rootContext, 'SELECT 1', 2, start);
    const middleware = tracer.startSpan('middleware', {}, rootContext);
    const middlewareContext = trace.setSpan(rootContext, middleware);
    query(tracer, middlewareContext, 'SELECT 2', 3, start + 2);
    query(tracer, middlewareContext, 'SELECT 3', 4, start + 5);
    middleware.end();
    root.end();

    const [request] = exported(exporter, 'GET');
    expect(request?.attributes).toMatchObject({
      'spanlens.db.query_count': 3,
      'spanlens.db.duration_ms': 9,
      'spanlens.db.slow_query_count': 0,
      'spanlens.slow': false,
    });
  });

  it('counts concurrent queries once in the database time, so it never exceeds the request', () => {
    const { tracer, exporter } = harness();
    const root = serverSpan(tracer, '/dashboard');
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    const start = Date.now();
    // Promise.all of three queries: [0, 10], [2, 12] and [20, 25] ms.
    query(tracer, rootContext, 'SELECT 1', 10, start);
    query(tracer, rootContext, 'SELECT 2', 10, start + 2);
    query(tracer, rootContext, 'SELECT 3', 5, start + 20);
    root.end();
    expect(exported(exporter, 'GET')[0]?.attributes['spanlens.db.duration_ms']).toBe(17);
  });

  it("counts a query whose parent context holds only the request span's context (a library that propagates ids, not spans)", () => {
    const { tracer, exporter } = harness();
    const root = serverSpan(tracer, '/meetings/42');
    // What a library gets when it carries the trace across a queue or callback as a SpanContext alone.
    const idsOnly = trace.setSpanContext(ROOT_CONTEXT, root.spanContext());
    query(tracer, idsOnly, 'SELECT 1');
    query(tracer, idsOnly, 'SELECT 2');
    root.end();
    expect(exported(exporter, 'GET')[0]?.attributes['spanlens.db.query_count']).toBe(2);
  });

  // 200,000 spans, 10 s: the mutation run (stryker.config.mjs) skips it, and checks the budget lines with it apart.
  itUnlessMutationRun('gives the detection budget back when requests end, so detection goes on past MAX_DETECTION_SPANS_IN_FLIGHT spans in all', () => {
    const { tracer, summaries } = harness({ exportSpans: false });
    const requests = Math.ceil(MAX_DETECTION_SPANS_IN_FLIGHT / MAX_DETECTION_SPANS_PER_REQUEST) + 1;
    const start = Date.now();
    for (let r = 0; r <= requests; r += 1) {
      const root = serverSpan(tracer, '/meetings/42');
      const rootContext = trace.setSpan(ROOT_CONTEXT, root);
      const statements = r === requests ? 5 : MAX_DETECTION_SPANS_PER_REQUEST;
      for (let q = 0; q < statements; q += 1) query(tracer, rootContext, `SELECT * FROM attendees WHERE meeting_id = ${q}`, 1, start + q);
      root.end();
    }
    expect(summaries).toHaveLength(requests + 1);
    expect(summaries.at(-1)!.nPlusOne).toEqual([expect.objectContaining({ summary: 'SELECT attendees', repeats: 5 })]);
  });

  it('counts the time of queries past the per-request detection cap in the database time', () => {
    const { tracer, summaries } = harness();
    const root = serverSpan(tracer, '/meetings/42');
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    const start = Date.now();
    const statements = MAX_DETECTION_SPANS_PER_REQUEST + 500;
    for (let q = 0; q < statements; q += 1) query(tracer, rootContext, 'SELECT 1', 1, start + q);
    root.end();
    expect(summaries[0]).toMatchObject({ queryCount: statements, dbDurationMs: statements });
  });

  // 200,000 spans in flight, 10 s: like the test above, the mutation run skips it.
  itUnlessMutationRun('keeps at most MAX_DETECTION_SPANS_IN_FLIGHT spans for detection across requests in flight, warns once, and still counts the time of the rest', () => {
    const { tracer, summaries } = harness({ maxInFlightRequests: 1000, exportSpans: false });
    const start = Date.now();
    // Requests left running (a leak of unended roots) holding all of the budget but four spans.
    let toKeep = MAX_DETECTION_SPANS_IN_FLIGHT - 4;
    while (toKeep > 0) {
      const rootContext = trace.setSpan(ROOT_CONTEXT, serverSpan(tracer, '/leaked'));
      const statements = Math.min(toKeep, MAX_DETECTION_SPANS_PER_REQUEST);
      for (let q = 0; q < statements; q += 1) query(tracer, rootContext, 'SELECT 1', 1, start + q);
      toKeep -= statements;
    }
    expect(warnings).toEqual([]);
    // Five repeats, one after the other: four are kept, the fifth is past the budget, so no N+1.
    const root = serverSpan(tracer, '/meetings/42');
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    for (let q = 0; q < 5; q += 1) query(tracer, rootContext, `SELECT * FROM attendees WHERE meeting_id = ${q}`, 1, start + 2 * q);
    root.end();

    expect(summaries[0]).toMatchObject({ queryCount: 5, dbDurationMs: 5, nPlusOne: [] });
    expect(warnings).toEqual([expect.stringContaining(`more than ${MAX_DETECTION_SPANS_IN_FLIGHT} spans kept for N+1 detection`)]);
  });

  it('never counts connection spans as queries', () => {
    const { tracer, exporter } = harness();
    const root = serverSpan(tracer, '/users');
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    for (const name of ['pg.connect', 'pg-pool.connect']) {
      tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } }, rootContext).end();
    }
    query(tracer, rootContext, 'SELECT 1');
    root.end();
    expect(exported(exporter, 'GET')[0]?.attributes['spanlens.db.query_count']).toBe(1);
  });

  it('flags a statement at or above the slow threshold on its own span and on the request', () => {
    const { tracer, exporter } = harness();
    const root = serverSpan(tracer, '/report');
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    query(tracer, rootContext, 'SELECT pg_sleep(1)', SLOW_QUERY_MS);
    query(tracer, rootContext, 'SELECT 1', SLOW_QUERY_MS - 1);
    root.end();

    const queries = exported(exporter, 'pg.query:SELECT test');
    expect(queries.map((span) => span.attributes['spanlens.db.slow'])).toEqual([true, undefined]);
    expect(exported(exporter, 'GET')[0]?.attributes['spanlens.db.slow_query_count']).toBe(1);
  });

  it('keeps concurrent requests apart', async () => {
    const { tracer, exporter } = harness();
    const requests = Array.from({ length: 20 }, async (_, index) => {
      const root = serverSpan(tracer, `/meetings/${index}`);
      await context.with(trace.setSpan(ROOT_CONTEXT, root), async () => {
        for (let i = 0; i < index % 5; i++) {
          await new Promise((resolve) => setImmediate(resolve));
          query(tracer, context.active(), `SELECT ${i}`);
        }
      });
      root.end();
      return { spanId: root.spanContext().spanId, expected: index % 5 };
    });
    const results = await Promise.all(requests);
    const bySpanId = new Map(exported(exporter, 'GET').map((span) => [span.spanContext().spanId, span]));
    for (const { spanId, expected } of results) {
      expect(bySpanId.get(spanId)?.attributes['spanlens.db.query_count']).toBe(expected);
    }
  });

  it('treats a span with a remote parent as the root of a request in this process', () => {
    const { tracer, exporter } = harness();
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
    });
    const root = serverSpan(tracer, '/orders/7', remote);
    query(tracer, trace.setSpan(remote, root), 'SELECT 1');
    root.end();
    expect(exported(exporter, 'GET')[0]?.attributes['spanlens.db.query_count']).toBe(1);
  });

  it('leaves the ended request unchanged when a child query ends after it, and still flags the query', () => {
    const { tracer, exporter, processor } = harness();
    const root = serverSpan(tracer, '/fire-and-forget');
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    const start = Date.now();
    const late = tracer.startSpan(
      'pg.query:UPDATE test',
      { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' }, startTime: start },
      rootContext,
    );
    root.end();
    late.end(start + SLOW_QUERY_MS);

    expect(exported(exporter, 'GET')[0]?.attributes['spanlens.db.query_count']).toBe(0);
    expect(exported(exporter, 'pg.query:UPDATE test')[0]?.attributes['spanlens.db.slow']).toBe(true);
    expect(processor.inFlightCount).toBe(0);
  });

  it('does not treat a query with no parent (one at start-up) as a request', () => {
    const { tracer, processor, summaries } = harness();
    query(tracer, ROOT_CONTEXT, 'CREATE TABLE t (id int)');
    expect(processor.inFlightCount).toBe(0);
    expect(summaries).toHaveLength(0);
  });

  it('drops the oldest request when the in-flight cap is reached', () => {
    const { tracer, exporter, processor } = harness({ maxInFlightRequests: 2 });
    const first = serverSpan(tracer, '/a');
    const second = serverSpan(tracer, '/b');
    const third = serverSpan(tracer, '/c');
    expect(processor.inFlightCount).toBe(2);
    query(tracer, trace.setSpan(ROOT_CONTEXT, first), 'SELECT 1');
    query(tracer, trace.setSpan(ROOT_CONTEXT, third), 'SELECT 1');
    for (const span of [first, second, third]) span.end();

    const byPath = new Map(exported(exporter, 'GET').map((span) => [span.attributes['url.path'], span.attributes]));
    expect(byPath.get('/a')?.['spanlens.db.query_count']).toBeUndefined();
    expect(byPath.get('/b')?.['spanlens.db.query_count']).toBe(0);
    expect(byPath.get('/c')?.['spanlens.db.query_count']).toBe(1);
    expect(processor.inFlightCount).toBe(0);
  });

  it('labels a request by its templated path and caps the number of routes', () => {
    const { tracer, summaries } = harness({ maxRoutes: 2 });
    for (const path of ['/meetings/1', '/meetings/2', '/users/3f2b8c1e-4d5a-4b6c-9d7e-0a1b2c3d4e5f', '/settings']) {
      serverSpan(tracer, path).end();
    }
    expect(summaries.map((summary) => summary.route)).toEqual(['/meetings/{id}', '/meetings/{id}', '/users/{id}', 'OTHER']);
  });

  it('labels 404s that no framework route matched as UNMATCHED, so random paths cannot use up the route budget', () => {
    const { tracer, summaries } = harness({ maxRoutes: 2 });
    for (const path of ['/wp-admin/setup.php', '/.env', '/meetings/1']) {
      const root = serverSpan(tracer, path);
      if (path !== '/meetings/1') root.setAttribute('http.response.status_code', 404);
      root.end();
    }
    expect(summaries.map((summary) => summary.route)).toEqual(['UNMATCHED', 'UNMATCHED', '/meetings/{id}']);
  });

  it('prefers the route a framework set over the path', () => {
    const { tracer, summaries } = harness();
    const root = serverSpan(tracer, '/meetings/9');
    root.setAttribute('http.route', '/meetings/:id');
    root.end();
    expect(summaries[0]?.route).toBe('/meetings/:id');
  });

  it('marks a request at or above the slow-request threshold as slow', () => {
    const { tracer, exporter, summaries } = harness();
    const start = Date.now();
    tracer.startSpan('GET', { kind: SpanKind.SERVER, startTime: start }).end(start + 1000);
    tracer.startSpan('GET', { kind: SpanKind.SERVER, startTime: start }).end(start + 999);
    expect(exported(exporter, 'GET').map((span) => span.attributes['spanlens.slow'])).toEqual([true, false]);
    expect(summaries.map((summary) => summary.slow)).toEqual([true, false]);
  });

  it('records each request in the metrics by route and method: its queries, database time and slowness', async () => {
    const { tracer, points } = harness();
    const start = Date.now();
    const root = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/report' }, startTime: start });
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    query(tracer, rootContext, 'SELECT 1', 250, start);
    query(tracer, rootContext, 'SELECT 2', 250, start + 250);
    root.end(start + 1000);

    const labels = { 'http.route': '/report', 'http.request.method': 'GET' };
    expect(await points('spanlens.request.db_queries')).toEqual([{ attributes: labels, value: { count: 1, sum: 2 } }]);
    expect(await points('spanlens.request.db_duration')).toEqual([{ attributes: labels, value: 0.5 }]);
    expect(await points('spanlens.request.slow')).toEqual([{ attributes: labels, value: 1 }]);
  });

  it('counts cache hits and misses of get and getMany per request and by namespace, never as queries', () => {
    const { tracer, exporter, summaries } = harness();
    const root = serverSpan(tracer, '/settings/1');
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    const cacheSpan = (operation: string, attributes: Record<string, string | number | boolean>) =>
      tracer
        .startSpan(`keyv.${operation}`, { kind: SpanKind.CLIENT, attributes: { 'spanlens.cache.operation': operation, ...attributes } }, rootContext)
        .end();
    cacheSpan('get', { 'spanlens.cache.hit': true, 'spanlens.cache.namespace': 'users' });
    cacheSpan('get', { 'spanlens.cache.hit': false, 'spanlens.cache.namespace': 'users' });
    cacheSpan('getMany', { 'spanlens.cache.hits': 2, 'spanlens.cache.misses': 1, 'spanlens.cache.namespace': 'meetings' });
    cacheSpan('set', { 'spanlens.cache.namespace': 'users' });
    cacheSpan('has', { 'spanlens.cache.hit': true });
    root.end();

    expect(exported(exporter, 'GET')[0]?.attributes).toMatchObject({
      'spanlens.cache.hits': 3,
      'spanlens.cache.misses': 2,
      'spanlens.db.query_count': 0,
    });
    expect(summaries[0]?.cacheLookups).toEqual([
      { namespace: 'users', hits: 1, misses: 1 },
      { namespace: 'meetings', hits: 2, misses: 1 },
    ]);
  });

  it('itemizes the lookups of a cache without a namespace under no namespace', () => {
    const { tracer, summaries } = harness();
    const root = serverSpan(tracer, '/settings/1');
    const attributes = { 'spanlens.cache.operation': 'get', 'spanlens.cache.hit': true };
    tracer.startSpan('keyv.get', { kind: SpanKind.CLIENT, attributes }, trace.setSpan(ROOT_CONTEXT, root)).end();
    root.end();
    expect(summaries[0]?.cacheLookups).toEqual([{ namespace: undefined, hits: 1, misses: 0 }]);
    expect(summaries[0]?.cacheLookups[0]).toHaveProperty('namespace', undefined);
  });

  it('fingerprints each query, sets its summary, and reports five repeats under one parent as one N+1 event', () => {
    const { tracer, exporter, summaries } = harness();
    const root = serverSpan(tracer, '/meetings');
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    query(tracer, rootContext, 'SELECT id FROM meetings WHERE owner_id = $1');
    for (let id = 1; id <= 5; id++) query(tracer, rootContext, `SELECT user_id FROM attendees WHERE meeting_id = ${id}`);
    root.end();

    const queries = exported(exporter, 'pg.query:SELECT test');
    const fingerprints = new Set(queries.slice(1).map((span) => span.attributes['spanlens.db.fingerprint']));
    expect(fingerprints.size).toBe(1);
    expect(queries[0]?.attributes['spanlens.db.fingerprint']).not.toBe([...fingerprints][0]);
    expect(queries[1]?.attributes['db.query.summary']).toBe('SELECT attendees');

    const request = exported(exporter, 'GET')[0]!;
    expect(request.attributes['spanlens.n_plus_one.count']).toBe(1);
    const [event] = request.events;
    expect(event?.name).toBe('spanlens.n_plus_one');
    expect(event?.attributes).toMatchObject({
      'spanlens.db.fingerprint': [...fingerprints][0],
      'spanlens.n_plus_one.repeats': 5,
      'spanlens.n_plus_one.parent_span_id': root.spanContext().spanId,
    });
    expect(String(event?.attributes?.['spanlens.db.query'])).not.toMatch(/= \d/);
    expect(String(event?.attributes?.['spanlens.n_plus_one.suggestion'])).toContain('ANY($1)');
    expect(summaries[0]?.nPlusOne).toHaveLength(1);
  });

  it('says whether it found an N+1 in spanlens.n_plus_one.found, the tag trace backends can search by', () => {
    const { tracer, exporter } = harness();
    const withRepeats = serverSpan(tracer, '/meetings');
    for (let id = 1; id <= 5; id++) query(tracer, trace.setSpan(ROOT_CONTEXT, withRepeats), `SELECT user_id FROM attendees WHERE meeting_id = ${id}`);
    withRepeats.end();
    const without = serverSpan(tracer, '/meetings/1');
    query(tracer, trace.setSpan(ROOT_CONTEXT, without), 'SELECT user_id FROM attendees WHERE meeting_id = 1');
    without.end();
    expect(exported(exporter, 'GET').map((span) => span.attributes['spanlens.n_plus_one.found'])).toEqual([true, false]);
  });

  describe('the query text it exports', () => {
    const statement = "SELECT pg_sleep(0.25), 'bob@example.com' AS email, 4217 AS id";

    function exportedQuery(dbQueryText?: DbQueryTextMode): ReadableSpan {
      const { tracer, exporter } = harness(dbQueryText === undefined ? {} : { dbQueryText });
      const root = serverSpan(tracer, '/report');
      query(tracer, trace.setSpan(ROOT_CONTEXT, root), statement);
      root.end();
      return exported(exporter, 'pg.query:SELECT test')[0]!;
    }

    it('replaces literals with placeholders in db.query.text by default', () => {
      const span = exportedQuery();
      expect(span.attributes['db.query.text']).toBe('SELECT pg_sleep($1), $2 AS email, $3 AS id');
      expect(JSON.stringify(span.attributes)).not.toContain('bob@example.com');
      expect(JSON.stringify(span.attributes)).not.toContain('4217');
    });

    it('keeps the statement as the driver gave it with raw', () => {
      expect(exportedQuery('raw').attributes['db.query.text']).toBe(statement);
    });

    it('removes db.query.text with off, and still fingerprints the statement', () => {
      const span = exportedQuery('off');
      expect(span.attributes).not.toHaveProperty(['db.query.text']);
      expect(span.attributes['spanlens.db.fingerprint']).toEqual(expect.any(String));
      expect(span.attributes['db.query.summary']).toBe('SELECT');
    });

    it("takes the values PostgreSQL quotes out of the failed statement's error message and exception", () => {
      const { tracer, exporter } = harness();
      const span = tracer.startSpan('pg.query', {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system.name': 'postgresql', 'db.query.text': "SELECT id FROM users WHERE id = 'alice.smith'" },
      });
      const error = new Error('invalid input syntax for type integer: "alice.smith"');
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      span.end();

      const [failed] = exported(exporter, 'pg.query');
      expect(JSON.stringify([failed!.status, failed!.events, failed!.attributes])).not.toContain('alice');
      expect(failed!.status.message).toBe('invalid input syntax for type integer: "…"');
      expect(failed!.events[0]!.attributes!['exception.message']).toBe('invalid input syntax for type integer: "…"');
    });

    it('sets only the statement attribute the instrumentation set', () => {
      expect(exportedQuery().attributes).not.toHaveProperty(['db.statement']);
      const { tracer, exporter } = harness();
      tracer.startSpan('pg.query', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT 1' } }).end();
      expect(exported(exporter, 'pg.query')[0]!.attributes).not.toHaveProperty(['db.query.text']);
    });

    it('keeps the db.query.summary the instrumentation set, on the span and for the slow-query metric', async () => {
      const { tracer, exporter, summaries, points } = harness();
      const root = serverSpan(tracer, '/report');
      const start = Date.now();
      const attributes = { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT pg_sleep(1)', 'db.query.summary': 'sleep' };
      tracer.startSpan('pg.query', { kind: SpanKind.CLIENT, attributes, startTime: start }, trace.setSpan(ROOT_CONTEXT, root)).end(start + SLOW_QUERY_MS);
      root.end();

      expect(exported(exporter, 'pg.query')[0]!.attributes['db.query.summary']).toBe('sleep');
      expect(summaries[0]?.slowQueries).toEqual([expect.objectContaining({ summary: 'sleep' })]);
      expect(await points('spanlens.db.slow_queries')).toEqual([{ attributes: { 'http.route': '/report', 'db.query.summary': 'sleep' }, value: 1 }]);
    });

    it('replaces an empty db.query.summary with its own, on the span and for the slow-query metric', () => {
      const { tracer, exporter, summaries } = harness();
      const root = serverSpan(tracer, '/report');
      const start = Date.now();
      const attributes = { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM reports', 'db.query.summary': '' };
      tracer.startSpan('pg.query', { kind: SpanKind.CLIENT, attributes, startTime: start }, trace.setSpan(ROOT_CONTEXT, root)).end(start + SLOW_QUERY_MS);
      root.end();

      expect(exported(exporter, 'pg.query')[0]!.attributes['db.query.summary']).toBe('SELECT reports');
      expect(summaries[0]?.slowQueries).toEqual([expect.objectContaining({ summary: 'SELECT reports' })]);
    });

    it('fingerprints a statement whose span has no text by the span name, so that differently named ones stay apart', () => {
      const { tracer, exporter } = harness();
      for (const name of ['SELECT meetings', 'UPDATE attendees']) {
        tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } }).end();
      }
      const [select, update] = exporter.getFinishedSpans();
      expect(select!.attributes['spanlens.db.fingerprint']).not.toBe(update!.attributes['spanlens.db.fingerprint']);
      expect([select, update].map((span) => span!.attributes['db.query.summary'])).toEqual(['SELECT', 'UPDATE attendees']);
    });

    it('still counts and sanitizes a failed statement whose span has other events, or an exception with no stack or no attributes', () => {
      const { tracer, exporter, summaries } = harness();
      const root = serverSpan(tracer, '/users');
      const span = tracer.startSpan(
        'pg.query',
        { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': "SELECT * FROM users WHERE name = 'mallory'" } },
        trace.setSpan(ROOT_CONTEXT, root),
      );
      span.addEvent('retry');
      span.addEvent('exception');
      span.recordException('duplicate key value "mallory"');
      span.end();
      root.end();

      const [failed] = exported(exporter, 'pg.query');
      expect(failed!.attributes['db.query.text']).toBe('SELECT * FROM users WHERE name = $1');
      expect(failed!.events.at(-1)!.attributes).toEqual({ 'exception.message': 'duplicate key value "…"' });
      expect(summaries[0]?.queryCount).toBe(1);
    });

    it('sanitizes the older db.statement attribute too', () => {
      const { tracer, exporter } = harness();
      const span = tracer.startSpan('pg.query', {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system': 'postgresql', 'db.statement': "SELECT * FROM users WHERE email = 'eve@example.com'" },
      });
      span.end();
      expect(exported(exporter, 'pg.query')[0]!.attributes['db.statement']).toBe('SELECT * FROM users WHERE email = $1');
    });
  });

  describe('while a request runs', () => {
    it("gives the request's running totals by its root span id, and nothing once it ended", () => {
      const { tracer, processor } = harness();
      const before = performance.now();
      const root = serverSpan(tracer, '/meetings/42');
      const rootContext = trace.setSpan(ROOT_CONTEXT, root);
      const start = Date.now();
      query(tracer, rootContext, 'SELECT 1', 3, start);
      query(tracer, rootContext, 'SELECT 2', 4, start + 3);
      const attributes = { 'spanlens.cache.operation': 'getMany', 'spanlens.cache.hits': 2, 'spanlens.cache.misses': 1 };
      tracer.startSpan('keyv.getMany', { kind: SpanKind.CLIENT, attributes }, rootContext).end();
      const progress = processor.progressOf(root.spanContext().spanId);
      const elapsedBound = performance.now() - before;

      expect(progress).toEqual({ queryCount: 2, dbDurationMs: 7, cacheHits: 2, cacheMisses: 1, elapsedMs: expect.any(Number) });
      expect(progress!.elapsedMs).toBeGreaterThanOrEqual(0);
      expect(progress!.elapsedMs).toBeLessThanOrEqual(elapsedBound);
      root.end();
      expect(processor.progressOf(root.spanContext().spanId)).toBeUndefined();
      expect(processor.progressOf('0000000000000001')).toBeUndefined();
    });
  });

  describe('as a span processor', () => {
    it('lets go of the requests in flight at shutdown: their roots ending later change nothing', async () => {
      const { tracer, exporter, processor, summaries } = harness();
      const root = serverSpan(tracer, '/meetings/42');
      query(tracer, trace.setSpan(ROOT_CONTEXT, root), 'SELECT 1');
      await expect(processor.shutdown()).resolves.toBeUndefined();
      expect(processor.inFlightCount).toBe(0);
      root.end();
      expect(summaries).toEqual([]);
      expect(exported(exporter, 'GET')[0]?.attributes).not.toHaveProperty(['spanlens.db.query_count']);
    });

    it('has nothing to flush', async () => {
      await expect(harness().processor.forceFlush()).resolves.toBeUndefined();
    });
  });
});
