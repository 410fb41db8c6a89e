import type { Span } from '@opentelemetry/sdk-trace';
import type { CallSite } from '../call-sites/call-site.js';
import { CallSiteWatch } from '../call-sites/call-site-watch.js';
import { type DetectionSpan, mergedDurationMs } from '../detection/index.js';
import type { SlowQuerySample } from './request-summary.js';

/** Slow statements kept per request until its route is known; more than this are counted, not listed. */
export const MAX_SLOW_QUERIES_PER_REQUEST = 50;
/** Cache namespaces itemized per request; lookups in more are still counted in the totals. */
export const MAX_CACHE_NAMESPACES_PER_REQUEST = 20;
/** Database and cache spans kept per request for N+1 detection; later ones are counted, not examined. */
export const MAX_DETECTION_SPANS_PER_REQUEST = 2_000;

/** What spanlens has learned about one request (a local root span) while it runs. */
export class RequestState {
  queryCount = 0;
  /** Time of query spans not kept for detection (past the caps), added to the merged time as a sum. */
  private unmergedDbMs = 0;
  slowQueryCount = 0;
  cacheHits = 0;
  cacheMisses = 0;
  /** Each slow statement (up to a cap), for the slow-query counter labelled by route and for /stats. */
  readonly slowQueries: SlowQuerySample[] = [];
  /** Database and cache spans, for N+1 detection when the request ends. */
  readonly detectionSpans: DetectionSpan[] = [];
  /** Cache lookups by namespace (`''` for none). */
  readonly cacheLookups = new Map<string, { hits: number; misses: number }>();
  /** Set once the root has ended (or was dropped): late children no longer change it. */
  closed = false;
  /** Outgoing HTTP calls that ended while the request ran. */
  httpCallCount = 0;
  /** Operations counted as the app issues them, for the call sites of N+1s; made on first use. */
  private watch: CallSiteWatch | undefined;

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

  /**
   * Wall-clock time with at least one query running: concurrent queries count once, so it never
   * exceeds the request's own duration (a plain sum would, under Promise.all).
   */
  get dbDurationMs(): number {
    return mergedDurationMs(this.detectionSpans.filter((span) => span.kind === 'db')) + this.unmergedDbMs;
  }

  addQuery(durationMs: number, slow: SlowQuerySample | undefined, keptForDetection: boolean): void {
    this.queryCount += 1;
    if (!keptForDetection) this.unmergedDbMs += durationMs;
    if (slow === undefined) return;
    this.slowQueryCount += 1;
    if (this.slowQueries.length < MAX_SLOW_QUERIES_PER_REQUEST) this.slowQueries.push(slow);
  }

  /** The request's call-site watch, counting up to `threshold` repeats per group. */
  callSiteWatch(threshold: number): CallSiteWatch {
    this.watch ??= new CallSiteWatch(threshold);
    return this.watch;
  }

  /** Where the app issued the group of `shape` under `parentSpanId`; `null` when unknown. */
  callSiteOf(parentSpanId: string | undefined, shape: string): CallSite | null {
    return this.watch?.callSiteOf(parentSpanId, shape) ?? null;
  }

  /** Keeps a span for N+1 detection, unless this request already keeps its maximum. */
  addDetectionSpan(span: DetectionSpan): boolean {
    if (this.detectionSpans.length >= MAX_DETECTION_SPANS_PER_REQUEST) return false;
    this.detectionSpans.push(span);
    return true;
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
