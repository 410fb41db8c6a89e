import type { RequestSummary } from '../processors/request-summary.js';
import { LatencyHistogram } from './latency-histogram.js';
import { hitRate, roundMs, roundRatio, roundToSignificant } from './rounding.js';
import type { EndpointState } from './statistics-state.js';
import type { EndpointStatistics } from './statistics.js';

/** Significant digits of reported percentiles. */
export const PERCENTILE_DIGITS = 3;

/** Running totals of one endpoint (method + route): constant size however many requests it serves. */
export class EndpointAccumulator {
  private requests = 0;
  private totalMs = 0;
  private minMs = Number.POSITIVE_INFINITY;
  private maxMs = 0;
  private readonly latency = new LatencyHistogram();
  private slow = 0;
  private totalQueries = 0;
  private maxQueries = 0;
  private cacheHits = 0;
  private cacheMisses = 0;
  private withNPlusOne = 0;
  private totalHttpCalls = 0;

  constructor(
    readonly method: string | null,
    readonly route: string,
    /** Identity and tie-breaker in the sort order. */
    readonly key: string,
  ) {}

  record(summary: RequestSummary): void {
    this.requests += 1;
    this.totalMs += summary.durationMs;
    this.minMs = Math.min(this.minMs, summary.durationMs);
    this.maxMs = Math.max(this.maxMs, summary.durationMs);
    this.latency.record(summary.durationMs);
    if (summary.slow) this.slow += 1;
    this.totalQueries += summary.queryCount;
    this.maxQueries = Math.max(this.maxQueries, summary.queryCount);
    this.cacheHits += summary.cacheHits;
    this.cacheMisses += summary.cacheMisses;
    if (summary.nPlusOne.length > 0) this.withNPlusOne += 1;
    this.totalHttpCalls += summary.httpCallCount;
  }

  /** The running totals, for another process' store to add to its own. */
  state(): EndpointState {
    return {
      method: this.method,
      route: this.route,
      requests: this.requests,
      totalMs: this.totalMs,
      minMs: this.minMs,
      maxMs: this.maxMs,
      latency: this.latency.encode(),
      slow: this.slow,
      totalQueries: this.totalQueries,
      maxQueries: this.maxQueries,
      totalHttpCalls: this.totalHttpCalls,
      cacheHits: this.cacheHits,
      cacheMisses: this.cacheMisses,
      withNPlusOne: this.withNPlusOne,
    };
  }

  /**
   * Adds another process' totals of the same endpoint, as if its requests had been recorded here;
   * `latency` is its histogram, decoded from `state.latency` by the caller (decoding can fail).
   */
  merge(state: EndpointState, latency: LatencyHistogram): void {
    if (state.requests <= 0) return;
    this.latency.add(latency);
    this.requests += state.requests;
    this.totalMs += state.totalMs;
    this.minMs = Math.min(this.minMs, state.minMs);
    this.maxMs = Math.max(this.maxMs, state.maxMs);
    this.slow += state.slow;
    this.totalQueries += state.totalQueries;
    this.maxQueries = Math.max(this.maxQueries, state.maxQueries);
    this.totalHttpCalls += state.totalHttpCalls ?? 0;
    this.cacheHits += state.cacheHits;
    this.cacheMisses += state.cacheMisses;
    this.withNPlusOne += state.withNPlusOne;
  }

  /** Total time spent in this endpoint, the order of the report. */
  get totalTimeMs(): number {
    return this.totalMs;
  }

  snapshot(): EndpointStatistics {
    return {
      method: this.method,
      route: this.route,
      requests: this.requests,
      avgMs: roundMs(this.totalMs / this.requests),
      minMs: roundMs(this.minMs),
      maxMs: roundMs(this.maxMs),
      p50Ms: this.percentileMs(50),
      p95Ms: this.percentileMs(95),
      p99Ms: this.percentileMs(99),
      slow: this.slow,
      dbQueriesAvg: roundRatio(this.totalQueries / this.requests),
      dbQueriesMax: this.maxQueries,
      cacheHitRate: hitRate(this.cacheHits, this.cacheMisses),
      nPlusOne: this.withNPlusOne,
      httpCallsAvg: roundRatio(this.totalHttpCalls / this.requests),
    };
  }

  // The histogram reports the top of a bucket, which can lie just past the exact extremes; clamp to them.
  // Three significant digits: the histogram is exact to about 1 %, so more digits would be invented.
  private percentileMs(percentile: number): number {
    const estimate = roundToSignificant(this.latency.percentileMs(percentile), PERCENTILE_DIGITS);
    return roundMs(Math.min(Math.max(estimate, this.minMs), this.maxMs));
  }
}
