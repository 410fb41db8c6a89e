import type { Span } from '@opentelemetry/sdk-trace';

/** Slow statements kept per request until its route is known; more than this are counted, not listed. */
export const MAX_SLOW_QUERIES_PER_REQUEST = 50;
/** Cache namespaces itemized per request; lookups in more are still counted in the totals. */
export const MAX_CACHE_NAMESPACES_PER_REQUEST = 20;

/** What spanlens has learned about one request (a local root span) while it runs. */
export class RequestState {
  queryCount = 0;
  dbDurationMs = 0;
  slowQueryCount = 0;
  cacheHits = 0;
  cacheMisses = 0;
  /** `db.query.summary` of each slow statement, for the slow-query counter labelled by route. */
  readonly slowQuerySummaries: string[] = [];
  /** Cache lookups by namespace (`''` for none). */
  readonly cacheLookups = new Map<string, { hits: number; misses: number }>();
  /** Set once the root has ended (or was dropped): late children no longer change it. */
  closed = false;

  constructor(
    readonly root: Span,
    readonly startedAtMs: number,
  ) {}

  addCacheLookups(namespace: string | undefined, hits: number, misses: number): void {
    if (hits + misses === 0) return;
    this.cacheHits += hits;
    this.cacheMisses += misses;
    const key = namespace ?? '';
    let lookups = this.cacheLookups.get(key);
    if (lookups === undefined) {
      if (this.cacheLookups.size >= MAX_CACHE_NAMESPACES_PER_REQUEST) return;
      lookups = { hits: 0, misses: 0 };
      this.cacheLookups.set(key, lookups);
    }
    lookups.hits += hits;
    lookups.misses += misses;
  }

  addQuery(durationMs: number, slowSummary: string | undefined): void {
    this.queryCount += 1;
    this.dbDurationMs += durationMs;
    if (slowSummary === undefined) return;
    this.slowQueryCount += 1;
    if (this.slowQuerySummaries.length < MAX_SLOW_QUERIES_PER_REQUEST) this.slowQuerySummaries.push(slowSummary);
  }
}

/** A read-only view of a running request, for response headers written before it ends. */
export interface RequestProgress {
  readonly queryCount: number;
  readonly dbDurationMs: number;
  readonly cacheHits: number;
  readonly cacheMisses: number;
  readonly elapsedMs: number;
}
