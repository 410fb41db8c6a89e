import { OVERFLOW_LABEL } from '../processors/label-limiter.js';
import type { NPlusOneLoopSample, NPlusOneSample, RequestSummary } from '../processors/request-summary.js';
import { CacheAccumulator, MAX_CACHE_NAMESPACES } from './cache-accumulator.js';
import { EndpointAccumulator } from './endpoint-accumulator.js';
import { LatencyHistogram } from './latency-histogram.js';
import { LeastCountedMap } from './least-counted-map.js';
import { LoopAccumulator, loopKey } from './loop-accumulator.js';
import { NPlusOneAccumulator } from './n-plus-one-accumulator.js';
import { SlowQueryAccumulator } from './slow-query-accumulator.js';
import type { StatisticsState } from './statistics-state.js';
import { type Statistics, endpointKey } from './statistics.js';

/** Endpoints (method + route) listed by default; `SPANLENS_MAX_ROUTES`. */
export const DEFAULT_MAX_ROUTES = 500;
/** Slow statement shapes kept; past it the least counted (then least recently seen) is evicted. */
export const MAX_SLOW_QUERY_FINGERPRINTS = 100;
/** N+1 patterns kept per (route, fingerprint); past it the least often found is evicted. */
export const MAX_N_PLUS_ONE_FINDINGS = 100;
/** Loops kept per (route, statements); past it the least often found is evicted. */
export const MAX_N_PLUS_ONE_LOOPS = 100;
export { MAX_CACHE_NAMESPACES };

/**
 * Where requests of endpoints past `maxRoutes` are counted, whatever their method; requests that the
 * processor already counted under route `OTHER` land here too.
 */
export const OVERFLOW_ENDPOINT = { method: '*', route: OVERFLOW_LABEL } as const;

export interface StatisticsStoreOptions {
  /** `service` of the snapshot (`OTEL_SERVICE_NAME`). */
  service: string;
  /** Distinct endpoints (method + route) listed; later new ones count under `* OTHER`. Default 500. */
  maxRoutes?: number;
  /** The `since` of the snapshot; defaults to the store's creation. */
  startedAt?: Date;
}

/**
 * What `GET /stats` serves: per-endpoint latency (a histogram each), query counts, cache hit rates, slow
 * query shapes and N+1 patterns, accumulated from one `RequestSummary` per finished request.
 *
 * Memory depends on the number of distinct keys, never on traffic, and every kind of key is capped:
 * endpoints by `maxRoutes` (plus the one overflow endpoint), slow queries, N+1 patterns and cache
 * namespaces by the constants above.
 */
export class StatisticsStore {
  private readonly service: string;
  private since: string;
  private readonly maxRoutes: number;
  private requests = 0;
  private readonly endpoints = new Map<string, EndpointAccumulator>();
  private overflow: EndpointAccumulator | undefined;
  private readonly cache = new CacheAccumulator();
  private readonly slowQueries = new LeastCountedMap<SlowQueryAccumulator>(MAX_SLOW_QUERY_FINGERPRINTS);
  private readonly nPlusOne = new LeastCountedMap<NPlusOneAccumulator>(MAX_N_PLUS_ONE_FINDINGS);
  private readonly loops = new LeastCountedMap<LoopAccumulator>(MAX_N_PLUS_ONE_LOOPS);

  constructor(options: StatisticsStoreOptions) {
    this.service = options.service;
    this.since = (options.startedAt ?? new Date()).toISOString();
    this.maxRoutes = options.maxRoutes ?? DEFAULT_MAX_ROUTES;
  }

  record(summary: RequestSummary): void {
    this.requests += 1;
    this.endpointOf(summary).record(summary);

    this.cache.recordTotals(summary.cacheHits, summary.cacheMisses);
    for (const lookup of summary.cacheLookups) this.cache.recordLookups(lookup);

    for (const sample of summary.slowQueries) {
      this.slowQueries
        .touch(sample.fingerprint, () => new SlowQueryAccumulator(sample.fingerprint, sample.query))
        .record(sample);
    }

    for (const sample of strongestPerFingerprint(summary.nPlusOne)) {
      const create = (): NPlusOneAccumulator => new NPlusOneAccumulator(summary.route, sample.kind, sample.fingerprint, sample.query);
      this.nPlusOne.touch(`${summary.route}\u0000${sample.kind}\u0000${sample.fingerprint}`, create).record(sample);
    }

    for (const [key, sample] of strongestPerLoop(summary.route, summary.loops)) {
      this.loops.touch(key, () => new LoopAccumulator(summary.route, key, sample)).record(sample);
    }
  }

  /** The running totals, for another store (in another process) to add with `merge`. */
  state(): StatisticsState {
    const endpoints = [...this.endpoints.values()];
    if (this.overflow !== undefined) endpoints.push(this.overflow);
    return {
      since: this.since,
      requests: this.requests,
      endpoints: endpoints.map((endpoint) => endpoint.state()),
      cache: this.cache.state(),
      slowQueries: this.slowQueries.values().map((query) => query.state()),
      nPlusOne: this.nPlusOne.values().map((finding) => finding.state()),
      loops: this.loops.values().map((loop) => loop.state()),
    };
  }

  /**
   * Adds another store's totals, as if its requests had been recorded here: counts and sums add up,
   * latency histograms merge (so percentiles stay those of all requests together), and the same caps
   * apply to the union. `since` becomes the earlier of the two.
   */
  merge(state: StatisticsState): void {
    // Decoded before anything is added: a broken encoding throws with this store unchanged.
    const latencies = state.endpoints.map((endpoint) => LatencyHistogram.decode(endpoint.latency));
    if (Date.parse(state.since) < Date.parse(this.since)) this.since = state.since;
    this.requests += state.requests;
    state.endpoints.forEach((endpoint, i) => {
      // An endpoint without requests adds nothing, and must not list a route with no average.
      if (endpoint.requests <= 0) return;
      this.endpointOf({ method: endpoint.method ?? undefined, route: endpoint.route }).merge(endpoint, latencies[i]!);
    });
    this.cache.merge(state.cache);
    for (const query of state.slowQueries) {
      this.slowQueries.touch(query.fingerprint, () => new SlowQueryAccumulator(query.fingerprint, query.query), query.count).merge(query);
    }
    for (const finding of state.nPlusOne) {
      const create = (): NPlusOneAccumulator => new NPlusOneAccumulator(finding.route, finding.kind ?? 'db', finding.fingerprint, finding.query);
      this.nPlusOne.touch(`${finding.route}\u0000${finding.kind ?? 'db'}\u0000${finding.fingerprint}`, create, finding.occurrences).merge(finding);
    }
    for (const loop of state.loops ?? []) {
      const key = loopKey(loop.route, loop);
      this.loops.touch(key, () => new LoopAccumulator(loop.route, key, loop), loop.occurrences).merge(loop);
    }
  }

  snapshot(): Statistics {
    const endpoints = [...this.endpoints.values()];
    if (this.overflow !== undefined) endpoints.push(this.overflow);
    endpoints.sort((a, b) => b.totalTimeMs - a.totalTimeMs || compareStrings(a.key, b.key));

    const slowQueries = this.slowQueries
      .values()
      .sort((a, b) => b.totalTimeMs - a.totalTimeMs || compareStrings(a.fingerprint, b.fingerprint))
      .map((query) => query.snapshot());
    const nPlusOne = this.nPlusOne
      .values()
      .map((finding) => finding.snapshot())
      .sort(
        (a, b) =>
          b.occurrences - a.occurrences ||
          b.repeats - a.repeats ||
          compareStrings(a.route, b.route) ||
          compareStrings(a.fingerprint, b.fingerprint),
      );

    const loops = this.loops
      .values()
      .sort((a, b) => compareStrings(a.route, b.route) || compareStrings(a.key, b.key))
      .map((loop) => loop.snapshot())
      .sort((a, b) => b.occurrences - a.occurrences || b.iterations - a.iterations);

    return {
      service: this.service,
      since: this.since,
      requests: this.requests,
      endpoints: endpoints.map((endpoint) => endpoint.snapshot()),
      cache: this.cache.snapshot(),
      slowQueries,
      nPlusOne,
      loops,
    };
  }

  private endpointOf(summary: Pick<RequestSummary, 'method' | 'route'>): EndpointAccumulator {
    const method = summary.method ?? null;
    const key = endpointKey(method, summary.route);
    const known = this.endpoints.get(key);
    if (known !== undefined) return known;
    if (summary.route !== OVERFLOW_LABEL && this.endpoints.size < this.maxRoutes) {
      const endpoint = new EndpointAccumulator(method, summary.route, key);
      this.endpoints.set(key, endpoint);
      return endpoint;
    }
    this.overflow ??= new EndpointAccumulator(
      OVERFLOW_ENDPOINT.method,
      OVERFLOW_ENDPOINT.route,
      endpointKey(OVERFLOW_ENDPOINT.method, OVERFLOW_ENDPOINT.route),
    );
    return this.overflow;
  }
}

/** One finding per fingerprint per request (the most repeated), so `occurrences` counts requests. */
function strongestPerFingerprint(findings: NPlusOneSample[]): NPlusOneSample[] {
  if (findings.length <= 1) return findings;
  const strongest = new Map<string, NPlusOneSample>();
  for (const finding of findings) {
    const seen = strongest.get(finding.fingerprint);
    if (seen === undefined || finding.repeats > seen.repeats) strongest.set(finding.fingerprint, finding);
  }
  return [...strongest.values()];
}

/** One sample per loop per request (the most iterations), so `occurrences` counts requests. */
function strongestPerLoop(route: string, loops: NPlusOneLoopSample[]): Map<string, NPlusOneLoopSample> {
  const strongest = new Map<string, NPlusOneLoopSample>();
  for (const loop of loops) {
    const key = loopKey(route, loop);
    const seen = strongest.get(key);
    if (seen === undefined || loop.iterations > seen.iterations) strongest.set(key, loop);
  }
  return strongest;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
