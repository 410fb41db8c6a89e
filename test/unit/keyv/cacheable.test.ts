import { context, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { type KeyvLike, type KeyvModule, createHarness, leaks, packageVersion, uniqueNamespace, useContextManager } from './harness';

interface CacheableLike {
  get(key: string): Promise<unknown>;
  getMany(keys: string[]): Promise<unknown[]>;
  set(key: string, value: unknown): Promise<unknown>;
  delete(key: string): Promise<unknown>;
  getOrSet(key: string, compute: () => Promise<unknown>): Promise<unknown>;
  wrap<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
  disconnect(): Promise<void>;
}
type CacheableClass = new (options?: Record<string, unknown>) => CacheableLike;

useContextManager();
const harness = createHarness();
const tracer = harness.provider.getTracer('test');
// cacheable depends on keyv ^5 and builds on the top-level `keyv` package.
const keyvModule = require('keyv') as KeyvModule;
const keyvVersion = packageVersion('keyv');
const { Cacheable } = require('cacheable') as { Cacheable: CacheableClass };
const { createKeyv } = require('@keyv/redis') as { createKeyv(url: string, options: Record<string, unknown>): KeyvLike };

beforeAll(() => harness.patch(keyvModule, keyvVersion));
afterAll(() => harness.unpatch(keyvModule, keyvVersion));
beforeEach(() => harness.exporter.reset());

function lookups(spans: ReadableSpan[]): Array<[string, unknown]> {
  return spans.map((span) => [span.name, span.attributes['spanlens.cache.hit'] ?? span.attributes['spanlens.cache.hits']]);
}

describe(`cacheable ${packageVersion('cacheable')} on keyv ${keyvVersion}`, () => {
  it('traces getOrSet as a missed get and a set, then as a hit, under the caller span', async () => {
    const cache = new Cacheable({ primary: new keyvModule.Keyv({ namespace: 'profiles' }) });
    const compute = jest.fn(async () => ({ name: 'Ada' }));

    const request = tracer.startSpan('request');
    const values = await context.with(trace.setSpan(context.active(), request), async () => [
      await cache.getOrSet('profile:42', compute),
      await cache.getOrSet('profile:42', compute),
    ]);
    request.end();

    expect(values).toEqual([{ name: 'Ada' }, { name: 'Ada' }]);
    expect(compute).toHaveBeenCalledTimes(1);
    const spans = harness.keyvSpans();
    expect(lookups(spans)).toEqual([
      ['keyv.get', false],
      ['keyv.set', undefined],
      ['keyv.get', true],
    ]);
    for (const span of spans) {
      expect(span.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(span.attributes).toMatchObject({
        'spanlens.cache.store': 'memory',
        'spanlens.cache.namespace': 'profiles',
        'spanlens.cache.key_pattern': 'profile:{id}',
      });
    }
  });

  it('counts a cached null as a hit, so getOrSet does not compute again', async () => {
    const cache = new Cacheable({ primary: new keyvModule.Keyv() });
    await cache.set('avatar:7', null);
    harness.exporter.reset();
    const compute = jest.fn(async () => 'computed');

    expect(await cache.getOrSet('avatar:7', compute)).toBeNull();

    expect(compute).not.toHaveBeenCalled();
    expect(lookups(harness.keyvSpans())).toEqual([['keyv.get', true]]);
  });

  it("traces a wrapped function's lookups under a key pattern that hides the hashed arguments", async () => {
    const cache = new Cacheable({ primary: new keyvModule.Keyv() });
    const loadInvoice = async (id: number) => ({ id, total: 99 });
    const cachedLoad = cache.wrap(loadInvoice);

    expect(await cachedLoad(5150)).toEqual({ id: 5150, total: 99 });
    expect(await cachedLoad(5150)).toEqual({ id: 5150, total: 99 });

    const spans = harness.keyvSpans();
    expect(lookups(spans)).toEqual([
      ['keyv.get', false],
      ['keyv.set', undefined],
      ['keyv.get', true],
    ]);
    expect(new Set(spans.map((span) => span.attributes['spanlens.cache.key_pattern']))).toEqual(new Set(['loadInvoice::{id}']));
    expect(leaks(spans, ['5150', '"total"'])).toEqual([]);
  });

  it('traces get, getMany, set and delete of the cache as keyv operations', async () => {
    const cache = new Cacheable({ primary: new keyvModule.Keyv() });

    await cache.set('sku:1', 'lamp');
    expect(await cache.get('sku:1')).toBe('lamp');
    expect(await cache.getMany(['sku:1', 'sku:2'])).toEqual(['lamp', undefined]);
    await cache.delete('sku:1');

    const spans = harness.keyvSpans();
    expect(lookups(spans)).toEqual([
      ['keyv.set', undefined],
      ['keyv.get', true],
      ['keyv.getMany', 1],
      ['keyv.delete', undefined],
    ]);
    expect(spans[2]!.attributes['spanlens.cache.misses']).toBe(1);
  });

  it("traces a Cacheable's default in-memory primary as a memory store", async () => {
    const cache = new Cacheable();
    await cache.getOrSet('default:1', async () => 'v');
    expect(lookups(harness.keyvSpans())).toEqual([
      ['keyv.get', false],
      ['keyv.set', undefined],
    ]);
    expect(harness.keyvSpans().every((span) => span.attributes['spanlens.cache.store'] === 'memory')).toBe(true);
  });

  it('traces getOrSet over Redis with store redis and the namespace', async () => {
    const namespace = uniqueNamespace('spanlens-keyv-test');
    const primary = createKeyv('redis://127.0.0.1:6379', { namespace });
    const cache = new Cacheable({ primary });
    try {
      expect(await cache.getOrSet('report:2024', async () => [1, 2, 3])).toEqual([1, 2, 3]);
      expect(await cache.getOrSet('report:2024', async () => [4])).toEqual([1, 2, 3]);
    } finally {
      if (primary.namespace !== namespace) throw new Error('refusing to clear a namespace this test did not create');
      await primary.clear();
      await cache.disconnect();
    }

    const spans = harness.keyvSpans().filter((span) => span.name !== 'keyv.clear');
    expect(lookups(spans)).toEqual([
      ['keyv.get', false],
      ['keyv.set', undefined],
      ['keyv.get', true],
    ]);
    for (const span of spans) {
      expect(span.attributes).toMatchObject({ 'spanlens.cache.store': 'redis', 'spanlens.cache.namespace': namespace });
    }
  });
});
