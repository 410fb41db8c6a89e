import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** What a cache span (from instrumentations/keyv) says about one operation. */
export interface CacheOperation {
  operation: string;
  namespace: string | undefined;
  keyPattern: string | undefined;
  /** Keys looked up that were found / not found: lookups are `get` and `getMany`; other operations have none. */
  hits: number;
  misses: number;
}

const LOOKUPS = new Set(['get', 'getMany']);

/**
 * The cache operation of a span, or undefined when it is not a cache span, or is the operation of one
 * store of a layered cache (`spanlens.cache.layer`): the layered operation above it counts for the app.
 */
export function cacheOperationOf(span: ReadableSpan): CacheOperation | undefined {
  const attributes = span.attributes;
  const operation = attributes['spanlens.cache.operation'];
  if (typeof operation !== 'string' || attributes['spanlens.cache.layer'] !== undefined) return undefined;
  const namespace = attributes['spanlens.cache.namespace'];
  const keyPattern = attributes['spanlens.cache.key_pattern'];
  let hits = 0;
  let misses = 0;
  if (LOOKUPS.has(operation)) {
    if (operation === 'get') {
      if (attributes['spanlens.cache.hit'] === true) hits = 1;
      else misses = 1;
    } else {
      hits = asCount(attributes['spanlens.cache.hits']);
      misses = asCount(attributes['spanlens.cache.misses']);
    }
  }
  return {
    operation,
    namespace: typeof namespace === 'string' && namespace.length > 0 ? namespace : undefined,
    keyPattern: typeof keyPattern === 'string' ? keyPattern : undefined,
    hits,
    misses,
  };
}

function asCount(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : 0;
}
