import { SpanKind, context, trace } from '@opentelemetry/api';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { KeyvInstrumentation } from '../../../instrumentations/keyv';
import { RequestStatisticsProcessor } from '../../../src/processors/request-statistics-processor';
import type { RequestSummary } from '../../../src/processors/request-summary';
import { type KeyvLike, type KeyvModule, packageVersion, useContextManager } from './harness';

interface CacheableLike {
  get(key: string): Promise<unknown>;
  getMany(keys: string[]): Promise<unknown[]>;
  set(key: string, value: unknown): Promise<unknown>;
}
type CacheableClass = new (options?: Record<string, unknown>) => CacheableLike;

useContextManager();
const keyvModule = require('keyv') as KeyvModule;
const cacheableModule = require('cacheable') as { Cacheable: CacheableClass };
const { Cacheable } = cacheableModule;

/** Collects on demand, to read what the cache operation counter holds. */
class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

const exporter = new InMemorySpanExporter();
const reader = new CollectingReader();
const processor = new RequestStatisticsProcessor({
  slowQueryThresholdMs: 200,
  slowRequestThresholdMs: 1000,
  maxRoutes: 10,
  meterProvider: new MeterProvider({ readers: [reader] }),
});
const summaries: RequestSummary[] = [];
processor.onRequestEnd((summary) => summaries.push(summary));
const provider = new TracerProvider({ spanProcessors: [processor, new SimpleSpanProcessor({ exporter })] });
const tracer = provider.getTracer('test');
const instrumentation = new KeyvInstrumentation({ enabled: false });
instrumentation.setTracerProvider(provider);
const definitionOf = (name: string) => instrumentation.getModuleDefinitions().find((definition) => definition.name === name);

beforeAll(() => {
  definitionOf('keyv')!.patch!(keyvModule, packageVersion('keyv'));
  definitionOf('cacheable')?.patch?.(cacheableModule, packageVersion('cacheable'));
});
afterAll(() => {
  definitionOf('keyv')!.unpatch!(keyvModule, packageVersion('keyv'));
  definitionOf('cacheable')?.unpatch?.(cacheableModule, packageVersion('cacheable'));
});
beforeEach(() => {
  exporter.reset();
  summaries.length = 0;
});

/** Runs `work` as one request and returns its summary. */
async function request(work: () => Promise<unknown>): Promise<RequestSummary> {
  const root = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/profiles' } });
  await context.with(trace.setSpan(context.active(), root), work);
  root.end();
  return summaries.at(-1)!;
}

/** A cacheable with an in-memory primary and a second keyv as its secondary, this key only in the secondary. */
async function twoLayers(secondaryEntries: Record<string, unknown>): Promise<CacheableLike> {
  const primary = new keyvModule.Keyv({ namespace: 'profiles' });
  const secondary: KeyvLike = new keyvModule.Keyv({ namespace: 'profiles' });
  for (const [key, value] of Object.entries(secondaryEntries)) await secondary.set(key, value);
  exporter.reset();
  return new Cacheable({ primary, secondary });
}

async function cacheOperationCounts(): Promise<Record<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const counts: Record<string, number> = {};
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== 'spanlens.cache.operations' || metric.dataPointType !== DataPointType.SUM) continue;
      for (const point of metric.dataPoints) {
        const key = `${point.attributes['spanlens.cache.operation']} ${point.attributes['spanlens.cache.result']}`;
        counts[key] = (counts[key] ?? 0) + point.value;
      }
    }
  }
  return counts;
}

function cacheSpans(): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.name.startsWith('keyv.'));
}

describe(`cacheable ${packageVersion('cacheable')} with a primary and a secondary store`, () => {
  it('counts a primary miss that the secondary answers as one hit, the lookup the app made', async () => {
    const cache = await twoLayers({ 'profile:42': { name: 'Ada' } });
    const before = await cacheOperationCounts();

    const summary = await request(async () => expect(await cache.get('profile:42')).toEqual({ name: 'Ada' }));

    expect([summary.cacheHits, summary.cacheMisses]).toEqual([1, 0]);
    expect(summary.cacheLookups).toEqual([{ namespace: 'profiles', hits: 1, misses: 0 }]);
    const root = exporter.getFinishedSpans().find((span) => span.name === 'GET')!;
    expect(root.attributes).toMatchObject({ 'spanlens.cache.hits': 1, 'spanlens.cache.misses': 0 });
    const after = await cacheOperationCounts();
    expect((after['get hit'] ?? 0) - (before['get hit'] ?? 0)).toBe(1);
    expect((after['get miss'] ?? 0) - (before['get miss'] ?? 0)).toBe(0);
  });

  it('counts a key in neither store as one miss', async () => {
    const cache = await twoLayers({});
    const summary = await request(() => cache.get('profile:7'));
    expect([summary.cacheHits, summary.cacheMisses]).toEqual([0, 1]);
  });

  it('counts a getMany key by key as the app saw it', async () => {
    const cache = await twoLayers({ 'profile:2': 'from the secondary' });
    await cache.set('profile:1', 'in both');
    const summary = await request(async () =>
      expect(await cache.getMany(['profile:1', 'profile:2', 'profile:3'])).toEqual(['in both', 'from the secondary', undefined]),
    );
    expect([summary.cacheHits, summary.cacheMisses]).toEqual([2, 1]);
  });

  it("traces the lookup as one span with the layers' operations beneath it, each marked with its layer", async () => {
    const cache = await twoLayers({ 'profile:42': { name: 'Ada' } });
    await request(() => cache.get('profile:42'));

    const spans = cacheSpans();
    const lookup = spans.find((span) => span.attributes['spanlens.cache.layer'] === undefined)!;
    expect(lookup.name).toBe('keyv.get');
    expect(lookup.attributes).toMatchObject({
      'spanlens.cache.operation': 'get',
      'spanlens.cache.hit': true,
      'spanlens.cache.namespace': 'profiles',
      'spanlens.cache.store': 'memory+memory',
      'spanlens.cache.key_pattern': 'profile:{id}',
    });
    const layers = spans.filter((span) => span !== lookup);
    expect(layers.map((span) => [span.name, span.attributes['spanlens.cache.layer'], span.attributes['spanlens.cache.hit']])).toEqual([
      ['keyv.get', 'primary', false],
      ['keyv.get', 'secondary', true],
      ['keyv.set', 'primary', undefined],
    ]);
    for (const span of layers) expect(span.parentSpanContext?.spanId).toBe(lookup.spanContext().spanId);
  });
});
