import { endpointKey } from '../../stats/statistics.js';
import { PERCENTILE_DIGITS } from '../../stats/endpoint-accumulator.js';
import { hitRate, roundMs, roundRatio, roundToSignificant } from '../../stats/rounding.js';
import { CliError } from '../cli-error.js';
import type { FleetTarget, FleetWindow, Snapshot, SnapshotEndpoint, SnapshotNPlusOne, SnapshotSlowQuery } from '../snapshot.js';
import type { FleetQueries } from './fleet-queries.js';
import { type Bucket, histogramQuantile } from './histogram-quantile.js';
import type { PromSample } from './prometheus-client.js';

/** The answer to each of the fleet queries. */
export type FleetQueryResults = Record<keyof FleetQueries, PromSample[]>;

/** What the snapshot says about its source, beside the numbers. */
export type FleetContext = Pick<FleetWindow, 'prometheus' | 'selector' | 'range' | 'start' | 'end'>;

interface EndpointTotals {
  method: string | null;
  route: string;
  buckets: Bucket[];
  seconds: number;
}

/**
 * Builds the report's snapshot from the fleet queries' answers: the same shape as `/stats`, with null
 * where metrics cannot tell. Counts are rounded to whole numbers (`increase()` extrapolates to
 * fractions); percentiles come from the summed buckets.
 */
export function buildFleetSnapshot(results: FleetQueryResults, context: FleetContext): Snapshot {
  const byEndpoint = endpointTotals(results);
  const queriesPerRequest = valuesBy(results.queriesPerRequest, endpointKeyOf);
  const slowRequests = valuesBy(results.slowRequests, endpointKeyOf);
  const nPlusOneByRoute = valuesBy(results.nPlusOne, (sample) => sample.metric['http_route'] ?? '');

  const endpoints: SnapshotEndpoint[] = [];
  for (const [key, totals] of [...byEndpoint].sort(([a, x], [b, y]) => y.seconds - x.seconds || compareStrings(a, b))) {
    const observed = totals.buckets
      .filter((bucket) => bucket.upperBound === Number.POSITIVE_INFINITY)
      .reduce((sum, bucket) => sum + bucket.count, 0);
    const requests = Math.round(observed);
    if (requests === 0) continue;
    endpoints.push({
      method: totals.method,
      route: totals.route,
      requests,
      avgMs: roundMs((totals.seconds / observed) * 1000),
      minMs: null,
      maxMs: null,
      p50Ms: percentileMs(0.5, totals),
      p95Ms: percentileMs(0.95, totals),
      p99Ms: percentileMs(0.99, totals),
      slow: Math.round(slowRequests.get(key) ?? 0),
      dbQueriesAvg: roundRatio(finiteOr(queriesPerRequest.get(key), 0)),
      dbQueriesMax: null,
      // The cache metric has no route label: hit rates are by namespace only.
      cacheHitRate: null,
      // The N+1 metric has no method label: this is the route's count.
      nPlusOne: Math.round(nPlusOneByRoute.get(totals.route) ?? 0),
    });
  }

  return {
    service: serviceOf(results.instances),
    since: context.start,
    requests: endpoints.reduce((sum, endpoint) => sum + endpoint.requests, 0),
    endpoints,
    cache: cacheOf(results.cache),
    slowQueries: slowQueriesOf(results.slowQueries),
    nPlusOne: nPlusOneOf(results.nPlusOne),
    fleet: {
      ...context,
      instances: targetsOf(results.instances),
      scrapeTargets: results.targets.length,
      down: targetsOf(results.targets.filter((sample) => Number(sample.value[1]) === 0)),
      extrapolated: targetsOf(results.instances.filter((sample) => Number(sample.value[1]) > 0)),
      requestDurationBucketsMs: [...new Set([...byEndpoint.values()].flatMap((totals) => totals.buckets.map((bucket) => bucket.upperBound)))]
        .filter(Number.isFinite)
        .sort((a, b) => a - b)
        .map((seconds) => roundMs(seconds * 1000)),
    },
  };
}

function endpointTotals(results: FleetQueryResults): Map<string, EndpointTotals> {
  const totals = new Map<string, EndpointTotals>();
  const totalsOf = (sample: PromSample): EndpointTotals => {
    const key = endpointKeyOf(sample);
    let entry = totals.get(key);
    if (entry === undefined) {
      entry = { method: sample.metric['http_request_method'] ?? null, route: sample.metric['http_route'] ?? '', buckets: [], seconds: 0 };
      totals.set(key, entry);
    }
    return entry;
  };
  for (const sample of results.requestBuckets) {
    totalsOf(sample).buckets.push({ upperBound: promNumber(sample.metric['le'] ?? 'NaN'), count: valueOf(sample) });
  }
  for (const sample of results.requestSeconds) {
    if (totals.has(endpointKeyOf(sample))) totalsOf(sample).seconds += valueOf(sample);
  }
  return totals;
}

function percentileMs(quantile: number, totals: EndpointTotals): number {
  const seconds = histogramQuantile(quantile, totals.buckets);
  if (Number.isNaN(seconds)) {
    throw new CliError(`http_server_request_duration of ${totals.method ?? ''} ${totals.route} has no finite bucket: percentiles need them`);
  }
  return roundMs(roundToSignificant(seconds * 1000, PERCENTILE_DIGITS));
}

function slowQueriesOf(samples: PromSample[]): SnapshotSlowQuery[] {
  return samples
    .map((sample) => ({ fingerprint: null, query: sample.metric['db_query_summary'] ?? '', count: Math.round(valueOf(sample)), avgMs: null, maxMs: null }))
    .filter((query) => query.count > 0)
    .sort((a, b) => b.count - a.count || compareStrings(a.query, b.query));
}

function nPlusOneOf(samples: PromSample[]): SnapshotNPlusOne[] {
  return samples
    .map((sample) => ({
      route: sample.metric['http_route'] ?? '',
      fingerprint: null,
      query: sample.metric['db_query_summary'] ?? '',
      repeats: null,
      occurrences: Math.round(valueOf(sample)),
      suggestion: null,
    }))
    .filter((finding) => finding.occurrences > 0)
    .sort((a, b) => b.occurrences - a.occurrences || compareStrings(a.route, b.route) || compareStrings(a.query, b.query));
}

function cacheOf(samples: PromSample[]): Snapshot['cache'] {
  const tallies = new Map<string | null, { hits: number; misses: number }>();
  for (const sample of samples) {
    const result = sample.metric['spanlens_cache_result'];
    if (result !== 'hit' && result !== 'miss') continue;
    const namespace = sample.metric['spanlens_cache_namespace'] ?? null;
    const tally = tallies.get(namespace) ?? { hits: 0, misses: 0 };
    if (result === 'hit') tally.hits += valueOf(sample);
    else tally.misses += valueOf(sample);
    tallies.set(namespace, tally);
  }
  const namespaces = [...tallies]
    .map(([namespace, tally]) => ({ namespace, hits: Math.round(tally.hits), misses: Math.round(tally.misses) }))
    .filter((tally) => tally.hits + tally.misses > 0)
    .map((tally) => ({ ...tally, hitRate: hitRate(tally.hits, tally.misses) }))
    .sort((a, b) => b.hits + b.misses - (a.hits + a.misses) || compareStrings(a.namespace ?? '', b.namespace ?? ''));
  const hits = namespaces.reduce((sum, namespace) => sum + namespace.hits, 0);
  const misses = namespaces.reduce((sum, namespace) => sum + namespace.misses, 0);
  return { hits, misses, hitRate: hitRate(hits, misses), namespaces };
}

function serviceOf(instances: PromSample[]): string {
  const jobs = [...new Set(instances.map((sample) => sample.metric['job'] ?? ''))].filter((job) => job !== '').sort(compareStrings);
  return jobs.length === 0 ? '(unknown: no target_info under the selector)' : jobs.join(', ');
}

function targetsOf(samples: PromSample[]): FleetTarget[] {
  return samples
    .map((sample) => ({ job: sample.metric['job'] ?? '', instance: sample.metric['instance'] ?? '' }))
    .sort((a, b) => compareStrings(a.job, b.job) || compareStrings(a.instance, b.instance));
}

function valuesBy(samples: PromSample[], keyOf: (sample: PromSample) => string): Map<string, number> {
  const values = new Map<string, number>();
  for (const sample of samples) {
    const value = valueOf(sample);
    if (Number.isFinite(value)) values.set(keyOf(sample), (values.get(keyOf(sample)) ?? 0) + value);
  }
  return values;
}

function endpointKeyOf(sample: PromSample): string {
  return endpointKey(sample.metric['http_request_method'] ?? null, sample.metric['http_route'] ?? '');
}

function valueOf(sample: PromSample): number {
  return promNumber(sample.value[1]);
}

// Sample values and `le` bounds are strings in Go's float syntax: "12", "0.005", "1e+06", "NaN", "+Inf".
function promNumber(text: string): number {
  if (/^[+-]?inf$/i.test(text)) return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return Number(text);
}

function finiteOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) ? value : fallback;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
