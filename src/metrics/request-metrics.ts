import { type MeterProvider, metrics } from '@opentelemetry/api';
import { LabelLimiter, OVERFLOW_LABEL } from '../processors/label-limiter.js';
import type { CacheOperation } from '../processors/cache-span.js';
import type { RequestSummary } from '../processors/request-summary.js';
import { createInstruments, type SpanlensInstruments } from './instruments.js';

/** Distinct `db.query.summary` values used as metric labels; later ones count under `OTHER`. */
export const MAX_QUERY_SUMMARY_LABELS = 1000;
/** Distinct cache namespaces used as metric labels; later ones count under `OTHER`. */
export const MAX_CACHE_NAMESPACE_LABELS = 100;

/**
 * Turns what the request processor saw into the spanlens metrics, keeping every label bounded (routes
 * arrive bounded already). Instruments are created on first use, from the global meter provider unless
 * one is given, because the processor exists before start-up registers the SDK's meter provider.
 */
export class RequestMetrics {
  private readonly summaries = new LabelLimiter(MAX_QUERY_SUMMARY_LABELS);
  private readonly namespaces = new LabelLimiter(MAX_CACHE_NAMESPACE_LABELS);
  private instrumentsCreated: SpanlensInstruments | undefined;

  constructor(private readonly meterProvider?: MeterProvider) {}

  recordRequest(request: RequestSummary): void {
    const instruments = this.instruments;
    const route = request.route;
    const labels = request.method === undefined ? { 'http.route': route } : { 'http.route': route, 'http.request.method': request.method };
    instruments.requestDbQueries.record(request.queryCount, labels);
    // Added even when zero, so that a route's database time share reads 0 rather than no data.
    instruments.requestDbDuration.add(request.dbDurationMs / 1000, labels);
    if (request.slow) instruments.slowRequests.add(1, labels);
    for (const query of request.slowQueries) {
      instruments.slowQueries.add(1, { 'http.route': route, 'db.query.summary': this.summaries.limit(query.summary) });
    }
    // Slow statements past the per-request list are counted without their shape.
    const unlisted = request.slowQueryCount - request.slowQueries.length;
    if (unlisted > 0) instruments.slowQueries.add(unlisted, { 'http.route': route, 'db.query.summary': OVERFLOW_LABEL });
    for (const finding of request.nPlusOne) {
      instruments.nPlusOne.add(1, {
        'http.route': route,
        'db.query.summary': this.summaries.limit(finding.summary),
        'spanlens.n_plus_one.kind': finding.kind,
      });
    }
  }

  /** A slow statement that ran outside any request (at start-up, in a timer) counts without a route. */
  recordSlowQueryOutsideRequest(summary: string): void {
    this.instruments.slowQueries.add(1, { 'db.query.summary': this.summaries.limit(summary) });
  }

  recordCacheOperation(cache: CacheOperation): void {
    const labels = {
      'spanlens.cache.operation': cache.operation,
      ...(cache.namespace === undefined ? {} : { 'spanlens.cache.namespace': this.namespaces.limit(cache.namespace) }),
    };
    const counter = this.instruments.cacheOperations;
    // Lookups count per key looked up, so that hit rate = hit / (hit + miss) holds for getMany too.
    if (cache.hits > 0) counter.add(cache.hits, { ...labels, 'spanlens.cache.result': 'hit' });
    if (cache.misses > 0) counter.add(cache.misses, { ...labels, 'spanlens.cache.result': 'miss' });
    if (cache.hits + cache.misses === 0) counter.add(1, { ...labels, 'spanlens.cache.result': 'none' });
  }

  private get instruments(): SpanlensInstruments {
    this.instrumentsCreated ??= createInstruments(this.meterProvider ?? metrics.getMeterProvider());
    return this.instrumentsCreated;
  }
}
