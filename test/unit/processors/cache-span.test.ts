import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { cacheOperationOf } from '../../../src/processors/cache-span';

const cacheSpan = (attributes: Attributes): ReadableSpan => ({ attributes }) as unknown as ReadableSpan;

describe('the cache operation of a keyv span', () => {
  it('counts a get as one hit or one miss', () => {
    expect(cacheOperationOf(cacheSpan({ 'spanlens.cache.operation': 'get', 'spanlens.cache.hit': true }))).toMatchObject({ hits: 1, misses: 0 });
    expect(cacheOperationOf(cacheSpan({ 'spanlens.cache.operation': 'get', 'spanlens.cache.hit': false }))).toMatchObject({ hits: 0, misses: 1 });
  });

  it('counts a getMany by the keys it found and missed', () => {
    const span = cacheSpan({ 'spanlens.cache.operation': 'getMany', 'spanlens.cache.hits': 3, 'spanlens.cache.misses': 2 });
    expect(cacheOperationOf(span)).toMatchObject({ operation: 'getMany', hits: 3, misses: 2 });
  });

  it('counts nothing for a getMany whose counts are missing, negative, fractional or not numbers', () => {
    for (const bad of [undefined, -2, 1.5, '4', 0]) {
      const span = cacheSpan({ 'spanlens.cache.operation': 'getMany', ...(bad === undefined ? {} : { 'spanlens.cache.hits': bad, 'spanlens.cache.misses': bad }) });
      expect(cacheOperationOf(span)).toMatchObject({ hits: 0, misses: 0 });
    }
  });

  it('counts neither hits nor misses for operations that look nothing up, even if a span says so', () => {
    for (const operation of ['set', 'delete', 'has', 'clear']) {
      const span = cacheSpan({ 'spanlens.cache.operation': operation, 'spanlens.cache.hit': true, 'spanlens.cache.hits': 2, 'spanlens.cache.misses': 1 });
      expect(cacheOperationOf(span)).toMatchObject({ operation, hits: 0, misses: 0 });
    }
  });

  it('carries the namespace and key pattern, an empty namespace or a non-text one as none', () => {
    const attributes = { 'spanlens.cache.operation': 'set', 'spanlens.cache.key_pattern': 'user:{id}' };
    expect(cacheOperationOf(cacheSpan({ ...attributes, 'spanlens.cache.namespace': 'sessions' }))).toMatchObject({ namespace: 'sessions', keyPattern: 'user:{id}' });
    expect(cacheOperationOf(cacheSpan({ ...attributes, 'spanlens.cache.namespace': '' }))?.namespace).toBeUndefined();
    expect(cacheOperationOf(cacheSpan({ ...attributes, 'spanlens.cache.namespace': 7 }))?.namespace).toBeUndefined();
    expect(cacheOperationOf(cacheSpan({ 'spanlens.cache.operation': 'set', 'spanlens.cache.key_pattern': 12 }))?.keyPattern).toBeUndefined();
  });

  it('is none for a span that is not a cache span, or is one store of a layered cache', () => {
    expect(cacheOperationOf(cacheSpan({ 'db.system.name': 'redis' }))).toBeUndefined();
    expect(cacheOperationOf(cacheSpan({ 'spanlens.cache.operation': 'get', 'spanlens.cache.layer': 'primary' }))).toBeUndefined();
  });
});
