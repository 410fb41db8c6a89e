import { ROOT_CONTEXT, SpanKind, type Tracer, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, type Span, TracerProvider } from '@opentelemetry/sdk-trace';
import { RequestStatisticsProcessor } from '../../../src/processors/request-statistics-processor';
import type { RequestSummary } from '../../../src/processors/request-summary';
import { captureDiagWarnings } from '../helpers/diag-warnings';

// Statements at start-up, in timers and queue consumers, and those that end after their request: they
// have no request to count in, yet are sanitized, measured and flagged like any other, and never make
// spanlens complain about itself. Every test here checks the diag warnings: spanlens warns once per
// problem per process, so a problem has to be looked for in the first test that provokes it.

const SLOW_QUERY_MS = 50;

/** Collects on demand, to read what the spanlens counters hold. */
class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

interface DataPoint {
  attributes: Record<string, unknown>;
  value: unknown;
}

function harness(options: { maxInFlightRequests?: number } = {}) {
  const exporter = new InMemorySpanExporter();
  const reader = new CollectingReader();
  const processor = new RequestStatisticsProcessor({
    slowQueryThresholdMs: SLOW_QUERY_MS,
    slowRequestThresholdMs: 1000,
    maxRoutes: 10,
    meterProvider: new MeterProvider({ readers: [reader] }),
    ...options,
  });
  const provider = new TracerProvider({ spanProcessors: [processor, new SimpleSpanProcessor({ exporter })] });
  const summaries: RequestSummary[] = [];
  processor.onRequestEnd((summary) => summaries.push(summary));
  /** The data points of one spanlens metric. */
  const points = async (name: string): Promise<DataPoint[]> => {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((each) => each.descriptor.name === name);
    if (metric === undefined || metric.dataPointType !== DataPointType.SUM) return [];
    return metric.dataPoints.map((point) => ({ attributes: point.attributes, value: point.value }));
  };
  const exported = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.name === name);
  return { tracer: provider.getTracer('test'), processor, summaries, points, exported };
}

/** A statement the way instrumentations that set its text at start trace it. */
function query(tracer: Tracer, parent: typeof ROOT_CONTEXT, text: string, durationMs: number): void {
  const start = Date.now();
  const attributes = { 'db.system.name': 'postgresql', 'db.query.text': text };
  tracer.startSpan('pg.query', { kind: SpanKind.CLIENT, attributes, startTime: start }, parent).end(start + durationMs);
}

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
afterAll(() => context.disable());

const warnings = captureDiagWarnings();

describe('statements outside any request', () => {
  it('sanitizes and fingerprints a statement run at start-up, and counts it in the slow-query metric without a route when slow', async () => {
    const { tracer, processor, summaries, points, exported } = harness();
    query(tracer, ROOT_CONTEXT, "SELECT id FROM users WHERE email = 'ada@example.com'", SLOW_QUERY_MS);
    query(tracer, ROOT_CONTEXT, 'SELECT 1', 1);

    const [slow, fast] = exported('pg.query');
    expect(slow!.attributes).toMatchObject({
      'db.query.text': 'SELECT id FROM users WHERE email = $1',
      'db.query.summary': 'SELECT users',
      'spanlens.db.fingerprint': expect.any(String),
      'spanlens.db.slow': true,
    });
    expect(fast!.attributes['spanlens.db.slow']).toBeUndefined();
    expect(await points('spanlens.db.slow_queries')).toEqual([{ attributes: { 'db.query.summary': 'SELECT users' }, value: 1 }]);
    expect(summaries).toEqual([]);
    expect(processor.inFlightCount).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('counts a slow statement that ends after its request in the slow-query metric without a route, not in the request', async () => {
    const { tracer, summaries, points } = harness();
    const root = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.route': '/reports' } });
    const start = Date.now();
    const late = tracer.startSpan(
      'pg.query',
      { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM reports' }, startTime: start },
      trace.setSpan(ROOT_CONTEXT, root),
    );
    root.end();
    late.end(start + SLOW_QUERY_MS);

    expect(summaries[0]).toMatchObject({ queryCount: 0, slowQueryCount: 0 });
    expect(await points('spanlens.db.slow_queries')).toEqual([{ attributes: { 'db.query.summary': 'SELECT reports' }, value: 1 }]);
    expect(warnings).toEqual([]);
  });

  it('takes no notice of pg statement texts and pool queries issued outside any request', () => {
    const { tracer, processor, summaries } = harness();
    // instrumentation-pg's requestHook at start-up, and pool.query with no span active.
    const span = tracer.startSpan('pg.query', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } }, ROOT_CONTEXT) as Span;
    processor.queryStarted(span, 'SELECT * FROM migrations');
    span.end();
    processor.poolQueryIssued('SELECT * FROM migrations');
    // A queue consumer's context carrying only the producer's span context: no span of this process.
    const remote = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true });
    context.with(remote, () => processor.poolQueryIssued('SELECT * FROM jobs'));

    expect(summaries).toEqual([]);
    expect(processor.inFlightCount).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('counts cache operations outside any request in the cache metric', async () => {
    const { tracer, points } = harness();
    const attributes = { 'spanlens.cache.operation': 'get', 'spanlens.cache.hit': true, 'spanlens.cache.key_pattern': 'user:{id}' };
    tracer.startSpan('keyv.get', { kind: SpanKind.CLIENT, attributes }, ROOT_CONTEXT).end();
    expect(await points('spanlens.cache.operations')).toEqual([
      { attributes: { 'spanlens.cache.operation': 'get', 'spanlens.cache.result': 'hit' }, value: 1 },
    ]);
    expect(warnings).toEqual([]);
  });

  it('ends a database span that is a local root (an internal span at start-up) as a request of its own', () => {
    const { tracer, processor, summaries } = harness();
    tracer.startSpan('db.query', { kind: SpanKind.INTERNAL, attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT 1' } }, ROOT_CONTEXT).end();
    expect(summaries).toEqual([expect.objectContaining({ queryCount: 1 })]);
    expect(processor.inFlightCount).toBe(0);
    expect(warnings).toEqual([]);
  });
});

describe('its own warnings', () => {
  it('says nothing about a request with middleware, queries, cache lookups and an outgoing call', () => {
    const { tracer, summaries } = harness();
    const root = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.route': '/meetings/:id' } });
    const middleware = tracer.startSpan('middleware - auth', { kind: SpanKind.INTERNAL }, trace.setSpan(ROOT_CONTEXT, root));
    const inMiddleware = trace.setSpan(ROOT_CONTEXT, middleware);
    query(tracer, inMiddleware, 'SELECT * FROM sessions WHERE id = $1', 1);
    tracer.startSpan('keyv.get', { kind: SpanKind.CLIENT, attributes: { 'spanlens.cache.operation': 'get', 'spanlens.cache.hit': false } }, inMiddleware).end();
    tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'GET', 'url.full': 'https://auth.example.com/keys' } }, inMiddleware).end();
    middleware.end();
    root.end();

    expect(summaries).toEqual([expect.objectContaining({ queryCount: 1, cacheMisses: 1, httpCallCount: 1 })]);
    expect(warnings).toEqual([]);
  });

  it('warns once, naming the cap and the likely cause, when it drops requests past maxInFlightRequests', () => {
    const { tracer, processor } = harness({ maxInFlightRequests: 1 });
    for (let i = 0; i < 3; i++) tracer.startSpan('GET', { kind: SpanKind.SERVER });
    expect(processor.inFlightCount).toBe(1);
    expect(warnings).toEqual([expect.stringMatching(/more than 1 requests in flight.*unended/)]);
  });

  it('reports a listener that throws once, and still records the request and calls the other listeners', async () => {
    const { tracer, processor, summaries, points } = harness();
    processor.onRequestEnd(() => {
      throw new Error('the /stats store is full');
    });
    const after: RequestSummary[] = [];
    processor.onRequestEnd((summary) => after.push(summary));
    tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.route': '/a' } }).end();
    tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.route': '/b' } }).end();

    expect(summaries.map((summary) => summary.route)).toEqual(['/a', '/b']);
    expect(after.map((summary) => summary.route)).toEqual(['/a', '/b']);
    expect(warnings).toEqual(['spanlens: a request statistics listener failed: the /stats store is full']);
    expect(await points('spanlens.request.db_duration')).toHaveLength(2);
  });
});
