import { type Context, type MeterProvider, metrics, trace } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { warnOnce } from '../diag-once.js';
import { createInstruments, type SpanlensInstruments } from '../metrics/instruments.js';
import { type CacheOperation, cacheOperationOf } from './cache-span.js';
import { LabelLimiter, OVERFLOW_LABEL } from './label-limiter.js';
import { MAX_DISTINCT_SUMMARIES, summarizeQuery } from './query-summary.js';
import { type RequestProgress, RequestState } from './request-state.js';
import type { RequestSummary } from './request-summary.js';
import { methodOf, routeOf } from './route.js';
import { durationMs, isDatabaseQuerySpan, isLocalRoot } from './span-kinds.js';

/** Requests tracked at once; past it the oldest is dropped, so a leak of unended spans stays bounded. */
export const MAX_IN_FLIGHT_REQUESTS = 10_000;
/** Distinct cache namespaces used as metric labels; later ones count under `OTHER`. */
export const MAX_CACHE_NAMESPACE_LABELS = 100;

export interface RequestStatisticsProcessorOptions {
  slowQueryThresholdMs: number;
  slowRequestThresholdMs: number;
  maxRoutes: number;
  /** Defaults to the global meter provider, looked up when the first request ends. */
  meterProvider?: MeterProvider;
  maxInFlightRequests?: number;
}

/**
 * Derives per-request statistics from spans: for each local root it counts the database spans beneath
 * it, sums their time, flags slow statements and slow requests, writes the totals onto the root before
 * it is exported (`onEnding`), and feeds the spanlens metric instruments.
 *
 * Database spans that end after their root are flagged slow on their own span but no longer change the
 * root, whose attributes were final when it ended.
 */
export class RequestStatisticsProcessor implements SpanProcessor {
  private readonly inFlight = new Map<string, RequestState>();
  private readonly requestOf = new WeakMap<Span, RequestState>();
  private readonly routes: LabelLimiter;
  private readonly summaries = new LabelLimiter(MAX_DISTINCT_SUMMARIES);
  private readonly namespaces = new LabelLimiter(MAX_CACHE_NAMESPACE_LABELS);
  private readonly maxInFlight: number;
  private readonly listeners: Array<(summary: RequestSummary) => void> = [];
  private instruments: SpanlensInstruments | undefined;

  constructor(private readonly options: RequestStatisticsProcessorOptions) {
    this.routes = new LabelLimiter(options.maxRoutes);
    this.maxInFlight = options.maxInFlightRequests ?? MAX_IN_FLIGHT_REQUESTS;
  }

  /** Calls `listener` with the summary of every request that ends. */
  onRequestEnd(listener: (summary: RequestSummary) => void): void {
    this.listeners.push(listener);
  }

  /** The running totals of the request whose root span has this id, while it runs. */
  progressOf(rootSpanId: string): RequestProgress | undefined {
    const state = this.inFlight.get(rootSpanId);
    if (state === undefined) return undefined;
    return {
      queryCount: state.queryCount,
      dbDurationMs: state.dbDurationMs,
      cacheHits: state.cacheHits,
      cacheMisses: state.cacheMisses,
      elapsedMs: performance.now() - state.startedAtMs,
    };
  }

  /** Number of requests currently tracked (bounded by `maxInFlightRequests`). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  onStart(span: Span, parentContext: Context): void {
    try {
      if (isLocalRoot(span)) {
        this.track(span);
        return;
      }
      const parentSpan = trace.getSpan(parentContext) as Span | undefined;
      const state =
        (parentSpan && this.requestOf.get(parentSpan)) ??
        (span.parentSpanContext ? this.inFlight.get(span.parentSpanContext.spanId) : undefined);
      if (state !== undefined && !state.closed) this.requestOf.set(span, state);
    } catch (error) {
      warnOnce('processor.onStart', 'request statistics failed on a span start', error);
    }
  }

  onEnding(span: Span): void {
    try {
      const state = this.requestOf.get(span);
      const cacheOperation = cacheOperationOf(span);
      if (cacheOperation !== undefined) this.endCacheOperation(cacheOperation, state);
      else if (isDatabaseQuerySpan(span)) this.endQuery(span, state);
      if (state !== undefined && state.root === span && !state.closed) this.endRequest(state);
    } catch (error) {
      warnOnce('processor.onEnding', 'request statistics failed on a span end', error);
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.inFlight.clear();
    return Promise.resolve();
  }

  private track(root: Span): void {
    if (this.inFlight.size >= this.maxInFlight) {
      const [oldestId, oldest] = this.inFlight.entries().next().value as [string, RequestState];
      oldest.closed = true;
      this.inFlight.delete(oldestId);
      warnOnce(
        'processor.inFlightCap',
        `more than ${this.maxInFlight} requests in flight; dropping the oldest from request statistics (are spans left unended?)`,
      );
    }
    const state = new RequestState(root, performance.now());
    this.inFlight.set(root.spanContext().spanId, state);
    this.requestOf.set(root, state);
  }

  private endQuery(span: Span, state: RequestState | undefined): void {
    const spanDurationMs = durationMs(span);
    const slow = spanDurationMs >= this.options.slowQueryThresholdMs;
    if (slow) span.setAttribute('spanlens.db.slow', true);
    const summary = slow ? this.summaryOf(span) : undefined;
    if (state !== undefined && !state.closed) {
      state.addQuery(spanDurationMs, summary);
    } else if (summary !== undefined) {
      // A slow statement outside any request still counts, without a route.
      this.getInstruments().slowQueries.add(1, { 'db.query.summary': summary });
    }
  }

  private endCacheOperation(cache: CacheOperation, state: RequestState | undefined): void {
    if (state !== undefined && !state.closed) state.addCacheLookups(cache.namespace, cache.hits, cache.misses);
    const labels = {
      'spanlens.cache.operation': cache.operation,
      ...(cache.namespace === undefined ? {} : { 'spanlens.cache.namespace': this.namespaces.limit(cache.namespace) }),
    };
    const counter = this.getInstruments().cacheOperations;
    // Lookups count per key looked up, so that hit rate = hit / (hit + miss) holds for getMany too.
    if (cache.hits > 0) counter.add(cache.hits, { ...labels, 'spanlens.cache.result': 'hit' });
    if (cache.misses > 0) counter.add(cache.misses, { ...labels, 'spanlens.cache.result': 'miss' });
    if (cache.hits + cache.misses === 0) counter.add(1, { ...labels, 'spanlens.cache.result': 'none' });
  }

  private endRequest(state: RequestState): void {
    state.closed = true;
    const root = state.root;
    this.inFlight.delete(root.spanContext().spanId);
    const requestDurationMs = durationMs(root);
    const slow = requestDurationMs >= this.options.slowRequestThresholdMs;
    root.setAttributes({
      'spanlens.db.query_count': state.queryCount,
      'spanlens.db.duration_ms': roundMs(state.dbDurationMs),
      'spanlens.db.slow_query_count': state.slowQueryCount,
      'spanlens.cache.hits': state.cacheHits,
      'spanlens.cache.misses': state.cacheMisses,
      'spanlens.slow': slow,
    });

    const method = methodOf(root.attributes);
    const route = this.routes.limit(routeOf(root.attributes, root.name));
    const instruments = this.getInstruments();
    const requestLabels = method === undefined ? { 'http.route': route } : { 'http.route': route, 'http.request.method': method };
    instruments.requestDbQueries.record(state.queryCount, requestLabels);
    if (slow) instruments.slowRequests.add(1, requestLabels);
    for (const summary of state.slowQuerySummaries) {
      instruments.slowQueries.add(1, { 'http.route': route, 'db.query.summary': summary });
    }
    const unlisted = state.slowQueryCount - state.slowQuerySummaries.length;
    if (unlisted > 0) instruments.slowQueries.add(unlisted, { 'http.route': route, 'db.query.summary': OVERFLOW_LABEL });

    if (this.listeners.length === 0) return;
    const summary: RequestSummary = {
      route,
      method,
      durationMs: requestDurationMs,
      queryCount: state.queryCount,
      dbDurationMs: state.dbDurationMs,
      slowQueryCount: state.slowQueryCount,
      cacheHits: state.cacheHits,
      cacheMisses: state.cacheMisses,
      slow,
      slowQueries: [],
      nPlusOne: [],
      cacheLookups: [...state.cacheLookups].map(([namespace, lookups]) => ({
        namespace: namespace === '' ? undefined : namespace,
        ...lookups,
      })),
    };
    for (const listener of this.listeners) {
      try {
        listener(summary);
      } catch (error) {
        warnOnce('processor.listener', 'a request statistics listener failed', error);
      }
    }
  }

  private summaryOf(span: Span): string {
    const given = span.attributes['db.query.summary'];
    if (typeof given === 'string' && given.length > 0) return this.summaries.limit(given);
    const text = span.attributes['db.query.text'] ?? span.attributes['db.statement'];
    return this.summaries.limit(typeof text === 'string' ? summarizeQuery(text) : span.name);
  }

  private getInstruments(): SpanlensInstruments {
    this.instruments ??= createInstruments(this.options.meterProvider ?? metrics.getMeterProvider());
    return this.instruments;
  }
}

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
