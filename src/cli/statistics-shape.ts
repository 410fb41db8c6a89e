import type { Statistics } from '../stats/statistics.js';

/** Why a parsed JSON value is not a `Statistics` snapshot: the first offending field. */
export class SnapshotShapeError extends Error {
  override readonly name = 'SnapshotShapeError';
}

type Field = 'string' | 'string?' | 'number' | 'number?';

const ENDPOINT_FIELDS: Record<string, Field> = {
  method: 'string?',
  route: 'string',
  requests: 'number',
  avgMs: 'number',
  minMs: 'number',
  maxMs: 'number',
  p50Ms: 'number',
  p95Ms: 'number',
  p99Ms: 'number',
  slow: 'number',
  dbQueriesAvg: 'number',
  dbQueriesMax: 'number',
  cacheHitRate: 'number?',
  nPlusOne: 'number',
};
const CACHE_FIELDS: Record<string, Field> = { hits: 'number', misses: 'number', hitRate: 'number?' };
const NAMESPACE_FIELDS: Record<string, Field> = { namespace: 'string?', ...CACHE_FIELDS };
const SLOW_QUERY_FIELDS: Record<string, Field> = {
  fingerprint: 'string',
  query: 'string',
  count: 'number',
  avgMs: 'number',
  maxMs: 'number',
};
const N_PLUS_ONE_FIELDS: Record<string, Field> = {
  route: 'string',
  fingerprint: 'string',
  query: 'string',
  repeats: 'number',
  occurrences: 'number',
  suggestion: 'string',
};

/**
 * Checks that `value` has every field of a `Statistics` snapshot with the right type and returns it
 * unchanged (fields it does not know are kept, so newer snapshots still load).
 */
export function asStatistics(value: unknown): Statistics {
  const root = objectAt(value, 'the snapshot');
  checkFields(root, { service: 'string', since: 'string', requests: 'number' }, '');
  arrayAt(root['endpoints'], 'endpoints').forEach((item, i) =>
    checkFields(objectAt(item, `endpoints[${i}]`), ENDPOINT_FIELDS, `endpoints[${i}].`),
  );
  const cache = objectAt(root['cache'], 'cache');
  checkFields(cache, CACHE_FIELDS, 'cache.');
  arrayAt(cache['namespaces'], 'cache.namespaces').forEach((item, i) =>
    checkFields(objectAt(item, `cache.namespaces[${i}]`), NAMESPACE_FIELDS, `cache.namespaces[${i}].`),
  );
  arrayAt(root['slowQueries'], 'slowQueries').forEach((item, i) =>
    checkFields(objectAt(item, `slowQueries[${i}]`), SLOW_QUERY_FIELDS, `slowQueries[${i}].`),
  );
  arrayAt(root['nPlusOne'], 'nPlusOne').forEach((item, i) =>
    checkFields(objectAt(item, `nPlusOne[${i}]`), N_PLUS_ONE_FIELDS, `nPlusOne[${i}].`),
  );
  return value as Statistics;
}

function objectAt(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SnapshotShapeError(`${path} is not an object`);
  return value as Record<string, unknown>;
}

function arrayAt(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new SnapshotShapeError(`${path} is not an array`);
  return value;
}

function checkFields(object: Record<string, unknown>, fields: Record<string, Field>, prefix: string): void {
  for (const [name, field] of Object.entries(fields)) {
    const value = object[name];
    const nullable = field.endsWith('?');
    if (nullable && value === null) continue;
    const type = nullable ? field.slice(0, -1) : field;
    const ok = type === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === type;
    if (!ok) {
      const expected = nullable ? `a ${type} or null` : `a ${type}`;
      throw new SnapshotShapeError(`${prefix}${name} is ${value === undefined ? 'missing' : `not ${expected}`}`);
    }
  }
}
