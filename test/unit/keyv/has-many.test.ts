import { SpanKind, context, trace } from '@opentelemetry/api';
import { KEYV_VERSIONS, type KeyvModule, createHarness, useContextManager } from './harness';

useContextManager();
const harness = createHarness();
const tracer = harness.provider.getTracer('test');

interface KeyvWithHasMany {
  set(key: string, value: unknown): Promise<unknown>;
  has(keys: string[]): Promise<unknown>;
  hasMany(keys: string[]): Promise<boolean[]>;
}

describe.each(KEYV_VERSIONS)('keyv.hasMany on $label', ({ alias, version }) => {
  const keyvModule = require(alias) as KeyvModule;
  const Keyv = keyvModule.Keyv as unknown as new (options?: Record<string, unknown>) => KeyvWithHasMany;

  beforeAll(() => harness.patch(keyvModule, version));
  afterAll(() => harness.unpatch(keyvModule, version));
  beforeEach(() => harness.exporter.reset());

  it('traces hasMany like the other operations: one CLIENT span keyv.hasMany with the keys found and not found, never a key', async () => {
    const keyv = new Keyv({ namespace: 'users' });
    await keyv.set('user:1', 'a');
    await keyv.set('user:2', 'b');
    harness.exporter.reset();

    const request = tracer.startSpan('request');
    const found = await context.with(trace.setSpan(context.active(), request), () => keyv.hasMany(['user:1', 'user:2', 'user:3']));
    request.end();

    expect(found).toEqual([true, true, false]);
    const spans = harness.keyvSpans();
    // One span: the `has` calls keyv may make for each key inside it are not operations of the caller.
    expect(spans.map((span) => span.name)).toEqual(['keyv.hasMany']);
    expect(spans[0]!.kind).toBe(SpanKind.CLIENT);
    expect(spans[0]!.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(spans[0]!.attributes).toMatchObject({
      'spanlens.cache.operation': 'hasMany',
      'spanlens.cache.hits': 2,
      'spanlens.cache.misses': 1,
      'spanlens.cache.namespace': 'users',
      'spanlens.cache.key_pattern': 'user:{id}',
    });
  });

  it('traces has called with an array, which keyv hands to hasMany, as one keyv.hasMany span', async () => {
    const keyv = new Keyv();
    await keyv.set('flag:1', true);
    harness.exporter.reset();
    await keyv.has(['flag:1', 'flag:2']);
    expect(harness.keyvSpans().map((span) => [span.name, span.attributes['spanlens.cache.hits'], span.attributes['spanlens.cache.misses']])).toEqual([
      ['keyv.hasMany', 1, 1],
    ]);
  });
});
