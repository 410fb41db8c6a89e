import { SpanKind, context, trace } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { KeyvInstrumentation } from '../../../instrumentations/keyv';
import { RequestStatisticsProcessor } from '../../../src/processors/request-statistics-processor';
import type { RequestSummary } from '../../../src/processors/request-summary';
import { type KeyvModule, leaks, packageVersion, useContextManager } from './harness';

useContextManager();
const keyvModule = require('keyv') as KeyvModule;
const keyvVersion = packageVersion('keyv');

/** keyv traced by its instrumentation, under the request statistics processor, as the preload wires them. */
function tracedKeyv(keyPatterns?: string[]) {
  const exporter = new InMemorySpanExporter();
  const processor = new RequestStatisticsProcessor({
    slowQueryThresholdMs: 200,
    slowRequestThresholdMs: 1000,
    maxRoutes: 10,
    meterProvider: new MeterProvider(),
  });
  const summaries: RequestSummary[] = [];
  processor.onRequestEnd((summary) => summaries.push(summary));
  const provider = new TracerProvider({ spanProcessors: [processor, new SimpleSpanProcessor({ exporter })] });
  const instrumentation = new KeyvInstrumentation({ enabled: false, ...(keyPatterns === undefined ? {} : { keyPatterns }) });
  instrumentation.setTracerProvider(provider);
  const [definition] = instrumentation.getModuleDefinitions();
  definition!.patch!(keyvModule, keyvVersion);
  const tracer = provider.getTracer('test');
  return {
    exporter,
    summaries,
    keyv: new keyvModule.Keyv({ namespace: 'app' }),
    /** Runs `work` under a server span, as one request. */
    async request(work: () => Promise<unknown>) {
      const root = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/people' } });
      await context.with(trace.setSpan(context.active(), root), work);
      root.end();
    },
    unpatch: () => definition!.unpatch!(keyvModule, keyvVersion),
  };
}

describe('cache keys carrying personal data', () => {
  let traced: ReturnType<typeof tracedKeyv>;
  beforeEach(() => (traced = tracedKeyv()));
  afterEach(() => traced.unpatch());

  it('records no name, search or token of a key on its span, even the first time', async () => {
    await traced.request(async () => {
      await traced.keyv.get('session:alice.smith');
      await traced.keyv.get('search:john smith hiv test');
      await traced.keyv.set('pwreset:Xy7pQ2Lk', 'carol');
    });

    const spans = traced.exporter.getFinishedSpans();
    expect(leaks(spans, ['alice', 'smith', 'john', 'hiv', 'Xy7pQ2Lk'])).toEqual([]);
    expect(spans.filter((span) => span.name.startsWith('keyv.')).map((span) => span.attributes['spanlens.cache.key_pattern'])).toEqual([
      'session:{id}',
      'search:{id}',
      '{id}:{id}',
    ]);
  });

  it('reports six lookups of session:<name> in one request as one cache N+1, in spans and in the summary /stats and the metrics use', async () => {
    const names = ['alice.smith', 'bob', 'carol.jones', 'dave', 'erin', 'frank.miller'];
    await traced.request(async () => {
      for (const name of names) await traced.keyv.get(`session:${name}`);
    });

    const root = traced.exporter.getFinishedSpans().find((span) => span.name === 'GET')!;
    expect(root.attributes['spanlens.n_plus_one.count']).toBe(1);
    expect(root.events[0]?.attributes).toMatchObject({
      'spanlens.db.query': 'keyv.get session:{id}',
      'spanlens.n_plus_one.repeats': 6,
    });
    expect(traced.summaries[0]?.nPlusOne).toEqual([
      expect.objectContaining({ query: 'keyv.get session:{id}', summary: 'keyv.get session:{id}', repeats: 6 }),
    ]);
    expect(leaks(traced.exporter.getFinishedSpans(), names)).toEqual([]);
    expect(JSON.stringify(traced.summaries)).not.toMatch(/alice|bob|carol|dave|erin|frank/);
  });

  it('records the pattern a key matches among SPANLENS_CACHE_KEY_PATTERNS', async () => {
    traced.unpatch();
    traced = tracedKeyv(['session:{name}', 'user:{id}:settings']);
    await traced.request(async () => {
      await traced.keyv.get('session:alice.smith');
      await traced.keyv.get('user:bob@example.com:settings');
    });
    const patterns = traced.exporter
      .getFinishedSpans()
      .filter((span) => span.name === 'keyv.get')
      .map((span) => span.attributes['spanlens.cache.key_pattern']);
    expect(patterns).toEqual(['session:{name}', 'user:{id}:settings']);
  });
});
