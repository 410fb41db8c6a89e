import type { Snapshot } from './snapshot.js';

/** Why a parsed JSON value is not a `Statistics` snapshot: the first offending field. */
export class SnapshotShapeError extends Error {
  override readonly name = 'SnapshotShapeError';
}

type Field = 'string' | 'string?' | 'number' | 'number?';

// Fields marked `?` may be null: in `/stats` only the rates, in a fleet snapshot also what metrics
// cannot tell (exact extremes, fingerprints, statement text, N+1 repeats and suggestions).

const ENDPOINT_FIELDS: Record<string, Field> = {
  method: 'string?',
  route: 'string',
  requests: 'number',
  avgMs: 'number',
  minMs: 'number?',
  maxMs: 'number?',
  p50Ms: 'number',
  p95Ms: 'number',
  p99Ms: 'number',
  slow: 'number',
  dbQueriesAvg: 'number',
  dbQueriesMax: 'number?',
  cacheHitRate: 'number?',
  nPlusOne: 'number',
};
const CACHE_FIELDS: Record<string, Field> = { hits: 'number', misses: 'number', hitRate: 'number?' };
const NAMESPACE_FIELDS: Record<string, Field> = { namespace: 'string?', ...CACHE_FIELDS };
const SLOW_QUERY_FIELDS: Record<string, Field> = {
  fingerprint: 'string?',
  query: 'string',
  count: 'number',
  avgMs: 'number?',
  maxMs: 'number?',
};
const N_PLUS_ONE_FIELDS: Record<string, Field> = {
  route: 'string',
  fingerprint: 'string?',
  query: 'string',
  repeats: 'number?',
  occurrences: 'number',
  suggestion: 'string?',
};
const FLEET_FIELDS: Record<string, Field> = { prometheus: 'string', selector: 'string', range: 'string', start: 'string', end: 'string' };
const TARGET_FIELDS: Record<string, Field> = { job: 'string', instance: 'string' };

/**
 * Checks that `value` has every field of a snapshot (`/stats` or fleet) with the right type and returns
 * it unchanged (fields it does not know are kept, so newer snapshots still load).
 */
export function asSnapshot(value: unknown): Snapshot {
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
  if (root['fleet'] !== undefined) checkFleet(objectAt(root['fleet'], 'fleet'));
  return value as Snapshot;
}

function checkFleet(fleet: Record<string, unknown>): void {
  checkFields(fleet, { ...FLEET_FIELDS, scrapeTargets: 'number' }, 'fleet.');
  for (const list of ['instances', 'down', 'extrapolated']) {
    arrayAt(fleet[list], `fleet.${list}`).forEach((item, i) =>
      checkFields(objectAt(item, `fleet.${list}[${i}]`), TARGET_FIELDS, `fleet.${list}[${i}].`),
    );
  }
  arrayAt(fleet['requestDurationBucketsMs'], 'fleet.requestDurationBucketsMs').forEach((bound, i) => {
    if (typeof bound !== 'number' || !Number.isFinite(bound)) throw new SnapshotShapeError(`fleet.requestDurationBucketsMs[${i}] is not a number`);
  });
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
