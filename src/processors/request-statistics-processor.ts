import { type Context, type MeterProvider, context, trace } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { CallSiteFinder } from '../call-sites/call-site.js';
import { warnOnce } from '../diag-once.js';
import { redactQuotedText } from '../quoted-text.js';
import { RequestMetrics } from '../metrics/request-metrics.js';
import type { DbQueryTextMode } from '../config/config.js';
import { type CacheOperation, cacheOperationOf } from './cache-span.js';
import {
  type DetectionSpan,
  NPlusOneDetector,
  type NPlusOneFinding,
  type NPlusOneLoop,
  type SpanTiming,
  cacheShape,
  cacheSpanRecord,
  databaseSpanRecord,
  httpShape,
  httpSpanRecord,
} from '../detection/index.js';
import { roundMs } from '../stats/rounding.js';
import { type SqlAnalysis, SqlFingerprinter } from '../sql/index.js';
import { FINDING_EVENTS, findingEventAttributes, loopEventAttributes } from './finding-events.js';
import { type HttpClientCall, httpClientCallOf } from './http-client-span.js';
import { PathTemplates } from './path-templates.js';
import { type RequestProgress, RequestState } from './request-state.js';
import type { NPlusOneLoopSample, NPlusOneSample, RequestSummary, SlowQuerySample } from './request-summary.js';
import { methodOf } from './route.js';
import { REQUEST_ATTRIBUTES } from './request-attributes.js';
import { RouteLabels } from './route-labels.js';
import { durationMs, isDatabaseQuerySpan, isLocalRoot } from './span-kinds.js';

/** Requests tracked at once; past it the oldest is dropped, so a leak of unended spans stays bounded. */
export const MAX_IN_FLIGHT_REQUESTS = 10_000;
/** Spans kept for N+1 detection across all requests in flight, however many leak. */
export const MAX_DETECTION_SPANS_IN_FLIGHT = 200_000;

export interface RequestStatisticsProcessorOptions {
  slowQueryThresholdMs: number;
  slowRequestThresholdMs: number;
  maxRoutes: number;
  /** The route labels to share with the http instrumentation's hook; else the processor keeps its own. */
  routeLabels?: RouteLabels;
  /** Defaults to the global meter provider, looked up when the first request ends. */
  meterProvider?: MeterProvider;
  maxInFlightRequests?: number;
  /** Fingerprints statements; share one whose `load()` was started, else a fallback-only one is used. */
  fingerprinter?: SqlFingerprinter;
  /** Finds N+1 patterns when a request ends; defaults to the contract's thresholds. */
  nPlusOneDetector?: NPlusOneDetector;
  /** What database spans export as their statement text (`SPANLENS_DB_QUERY_TEXT`); default `sanitized`. */
  dbQueryText?: DbQueryTextMode;
  /** Finds the app's frame when a group reaches the repeat threshold; defaults to one for this installation. */
  callSiteFinder?: CallSiteFinder;
}

// The statement attribute of the semantic conventions, and the one older instrumentations still set.
const QUERY_TEXT_ATTRIBUTES = ['db.query.text', 'db.statement'];
const EXCEPTION_TEXT_ATTRIBUTES = ['exception.message', 'exception.stacktrace'];

/**
 * Derives per-request statistics from spans: for each local root it counts the database and cache spans
 * beneath it, flags slow statements and slow requests, runs N+1 detection, writes the totals onto the
 * root before it is exported (`onEnding`), and hands a `RequestSummary` to the metrics and to listeners
 * such as the `/stats` store.
 *
 * Database spans that end after their root are flagged slow on their own span but no longer change the
 * root, whose attributes were final when it ended.
 *
 * Call sites: operations are counted per (request, parent, shape) as they are issued — at span start,
 * or for pg, whose statement text arrives after the span starts, through {@link queryStarted} and
 * {@link poolQueryIssued} — and the stack is captured once per group, when it reaches the repeat
 * threshold, while the app's frame is still on it.
 */
export class RequestStatisticsProcessor implements SpanProcessor {
  private readonly inFlight = new Map<string, RequestState>();
  private readonly requestOf = new SpanSlot<RequestState>('spanlens.request');
  /** The statement of a database span, analysed when it started: not looked up again when it ends. */
  private readonly startedQueries = new SpanSlot<SqlAnalysis>('spanlens.query');
  private readonly startedCalls = new SpanSlot<HttpClientCall>('spanlens.http_call');
  /** Where each database, cache and HTTP span started in {@link sequence}. */
  private readonly startOrders = new SpanSlot<number>('spanlens.start_order');
  /** Counts span starts and ends: their exact order, for loop detection. */
  private sequence = 0;
  private readonly outgoingPaths = new PathTemplates();
  private readonly callSites: CallSiteFinder;
  private readonly routes: RouteLabels;
  private readonly maxInFlight: number;
  private readonly listeners: Array<(summary: RequestSummary) => void> = [];
  private readonly fingerprinter: SqlFingerprinter;
  private readonly detector: NPlusOneDetector;
  private readonly metrics: RequestMetrics;
  private detectionSpansInFlight = 0;

  constructor(private readonly options: RequestStatisticsProcessorOptions) {
    this.routes = options.routeLabels ?? new RouteLabels(options.maxRoutes);
    this.maxInFlight = options.maxInFlightRequests ?? MAX_IN_FLIGHT_REQUESTS;
    this.fingerprinter = options.fingerprinter ?? new SqlFingerprinter();
    this.detector = options.nPlusOneDetector ?? new NPlusOneDetector();
    this.metrics = new RequestMetrics(options.meterProvider);
    this.callSites = options.callSiteFinder ?? new CallSiteFinder();
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
      if (state === undefined || state.closed) return;
      this.requestOf.set(span, state);
      this.startOperation(span, state);
    } catch (error) {
      warnOnce('processor.onStart', 'request statistics failed on a span start', error);
    }
  }

  /**
   * A database span's statement text, given when the driver starts running it (instrumentation-pg's
   * `requestHook`, inside the app's `client.query()`): pg sets the text only after the span started.
   */
  queryStarted(span: Span, text: string): void {
    try {
      const state = this.requestOf.get(span);
      if (state === undefined || state.closed || this.startedQueries.get(span) !== undefined) return;
      this.startQuery(span, state, text);
    } catch (error) {
      warnOnce('processor.queryStarted', 'request statistics failed on a query start', error);
    }
  }

  /**
   * The app called `pool.query(text)` in the active context: its span starts later, without the app's
   * frame on the stack, so the call is counted now (and its span's start is not counted again).
   */
  poolQueryIssued(text: string): void {
    try {
      const parent = trace.getSpan(context.active()) as Span | undefined;
      if (parent === undefined) return;
      const state = this.requestOf.get(parent) ?? (this.inFlight.get(parent.spanContext().spanId) as RequestState | undefined);
      if (state === undefined || state.closed) return;
      const analysis = this.fingerprinter.analyze(text);
      if (analysis.category !== 'query') return;
      const parentSpanId = parent.spanContext().spanId;
      if (state.callSiteWatch(this.detector.minRepeats).issuedAhead(parentSpanId, analysis.fingerprint)) {
        this.captureCallSite(state, parentSpanId, analysis.fingerprint, analysis.normalized);
      }
    } catch (error) {
      warnOnce('processor.poolQueryIssued', 'request statistics failed on a pool query', error);
    }
  }

  onEnding(span: Span): void {
    try {
      const state = this.requestOf.get(span);
      const cacheOperation = cacheOperationOf(span);
      if (cacheOperation !== undefined) this.endCacheOperation(span, cacheOperation, state);
      else if (isDatabaseQuerySpan(span)) this.endQuery(span, state);
      else if (state !== undefined) this.endHttpCall(span, state);
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
    for (const state of this.inFlight.values()) this.close(state);
    this.inFlight.clear();
    return Promise.resolve();
  }

  private track(root: Span): void {
    if (this.inFlight.size >= this.maxInFlight) {
      const [oldestId, oldest] = this.inFlight.entries().next().value as [string, RequestState];
      this.close(oldest);
      // A leaked root may stay referenced for long: let its records go now.
      oldest.detectionSpans.length = 0;
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

  /** Counts an operation of a request as it starts, where its shape is known by then. */
  private startOperation(span: Span, state: RequestState): void {
    const attributes = span.attributes;
    const cacheOperation = attributes['spanlens.cache.operation'];
    if (typeof cacheOperation === 'string') {
      this.startOrders.set(span, ++this.sequence);
      const keyPattern = attributes['spanlens.cache.key_pattern'];
      if (typeof keyPattern === 'string') this.countStart(span, state, cacheShape(cacheOperation, keyPattern));
      return;
    }
    if (isDatabaseQuerySpan(span)) {
      this.startOrders.set(span, ++this.sequence);
      const text = attributes['db.query.text'] ?? attributes['db.statement'];
      if (typeof text === 'string') this.startQuery(span, state, text);
      return;
    }
    const call = httpClientCallOf(span, this.outgoingPaths);
    if (call === undefined) return;
    this.startOrders.set(span, ++this.sequence);
    this.startedCalls.set(span, call);
    this.countStart(span, state, httpShape(call.method, call.target));
  }

  private startQuery(span: Span, state: RequestState, text: string): void {
    const analysis = this.fingerprinter.analyze(text);
    this.startedQueries.set(span, analysis);
    if (analysis.category === 'query') this.countStart(span, state, analysis.fingerprint, analysis.normalized);
  }

  private countStart(span: Span, state: RequestState, shape: string, normalized = shape): void {
    const parentSpanId = span.parentSpanContext?.spanId;
    if (state.callSiteWatch(this.detector.minRepeats).spanStarted(parentSpanId, shape)) {
      this.captureCallSite(state, parentSpanId, shape, normalized);
    }
  }

  /** Once per group: the stack is still the app's, inside its call that issued the threshold's repeat. */
  private captureCallSite(state: RequestState, parentSpanId: string | undefined, shape: string, normalized: string): void {
    if (this.detector.ignores(shape, normalized)) return;
    state.callSiteWatch(this.detector.minRepeats).record(parentSpanId, shape, this.callSites.capture());
  }

  private endQuery(span: Span, state: RequestState | undefined): void {
    const spanDurationMs = durationMs(span);
    const text = span.attributes['db.query.text'] ?? span.attributes['db.statement'];
    const analysis = this.startedQueries.get(span) ?? this.fingerprinter.analyze(typeof text === 'string' ? text : span.name);
    this.replaceQueryText(span, analysis.normalized);
    span.setAttribute('spanlens.db.fingerprint', analysis.fingerprint);
    const givenSummary = span.attributes['db.query.summary'];
    if (typeof givenSummary !== 'string' || givenSummary.length === 0) span.setAttribute('db.query.summary', analysis.summary);

    let slow: SlowQuerySample | undefined;
    if (spanDurationMs >= this.options.slowQueryThresholdMs) {
      span.setAttribute('spanlens.db.slow', true);
      const summary = typeof givenSummary === 'string' && givenSummary.length > 0 ? givenSummary : analysis.summary;
      slow = { fingerprint: analysis.fingerprint, query: analysis.normalized, summary, durationMs: spanDurationMs };
    }
    if (state !== undefined && !state.closed) {
      const kept = this.keepForDetection(state, databaseSpanRecord(this.timingOf(span), analysis));
      state.addQuery(spanDurationMs, slow, kept);
    } else if (slow !== undefined) {
      this.metrics.recordSlowQueryOutsideRequest(slow.summary);
    }
  }

  /**
   * Drivers record the statement as they sent it, literals included, and the database's error message,
   * which quotes the value it failed on; the semantic conventions ask for sanitized text unless the user
   * opts in. Done in `onEnding`, the last moment a span can change.
   */
  private replaceQueryText(span: Span, sanitized: string): void {
    const mode = this.options.dbQueryText ?? 'sanitized';
    if (mode === 'raw') return;
    for (const key of QUERY_TEXT_ATTRIBUTES) {
      if (span.attributes[key] === undefined) continue;
      if (mode === 'sanitized') span.setAttribute(key, sanitized);
      // The SDK has no way to remove an attribute; until the span ends its attribute object is its own.
      else delete (span.attributes as Record<string, unknown>)[key];
    }
    if (span.status.message !== undefined) span.setStatus({ code: span.status.code, message: redactQuotedText(span.status.message) });
    for (const event of span.events) {
      if (event.name !== 'exception' || event.attributes === undefined) continue;
      const attributes = event.attributes as Record<string, unknown>;
      for (const key of EXCEPTION_TEXT_ATTRIBUTES) {
        const text = attributes[key];
        if (typeof text === 'string') attributes[key] = redactQuotedText(text);
      }
    }
  }

  private endCacheOperation(span: Span, cache: CacheOperation, state: RequestState | undefined): void {
    if (state !== undefined && !state.closed) {
      state.addCacheLookups(cache.namespace, cache.hits, cache.misses);
      if (cache.keyPattern !== undefined) this.keepForDetection(state, cacheSpanRecord(this.timingOf(span), cache.operation, cache.keyPattern));
    }
    this.metrics.recordCacheOperation(cache);
  }

  private endHttpCall(span: Span, state: RequestState): void {
    const call = this.startedCalls.get(span);
    if (call === undefined || state.closed) return;
    state.httpCallCount += 1;
    this.keepForDetection(state, httpSpanRecord(this.timingOf(span), call.method, call.target));
  }

  /** A span's identity and timing as it ends, with its place in the order spans started and ended. */
  private timingOf(span: Span): SpanTiming {
    return {
      spanId: span.spanContext().spanId,
      parentSpanId: span.parentSpanContext?.spanId,
      name: span.name,
      startMs: hrTimeToMilliseconds(span.startTime),
      endMs: hrTimeToMilliseconds(span.endTime),
      startOrder: this.startOrders.get(span),
      endOrder: ++this.sequence,
    };
  }

  private keepForDetection(state: RequestState, record: DetectionSpan): boolean {
    if (this.detectionSpansInFlight >= MAX_DETECTION_SPANS_IN_FLIGHT) {
      warnOnce('processor.detectionBudget', `more than ${MAX_DETECTION_SPANS_IN_FLIGHT} spans kept for N+1 detection; not keeping more until requests end`);
      return false;
    }
    if (!state.addDetectionSpan(record)) return false;
    this.detectionSpansInFlight += 1;
    return true;
  }

  /** Closes a request's state once, returning its spans to the detection budget. */
  private close(state: RequestState): void {
    if (state.closed) return;
    state.closed = true;
    this.detectionSpansInFlight -= state.detectionSpans.length;
  }

  private endRequest(state: RequestState): void {
    this.close(state);
    const root = state.root;
    this.inFlight.delete(root.spanContext().spanId);
    const requestDurationMs = durationMs(root);
    const slow = requestDurationMs >= this.options.slowRequestThresholdMs;
    const { findings, loops } = this.detector.analyze(state.detectionSpans);
    const callSiteOf = (finding: NPlusOneFinding) => state.callSiteOf(finding.parentSpanId, finding.fingerprint);
    const dbDurationMs = state.dbDurationMs;
    // One call per attribute: setAttributes would take an object built for it and walk it with for…in.
    root.setAttribute(REQUEST_ATTRIBUTES.dbQueryCount, state.queryCount);
    root.setAttribute(REQUEST_ATTRIBUTES.dbDurationMs, roundMs(dbDurationMs));
    root.setAttribute(REQUEST_ATTRIBUTES.dbSlowQueryCount, state.slowQueryCount);
    root.setAttribute(REQUEST_ATTRIBUTES.cacheHits, state.cacheHits);
    root.setAttribute(REQUEST_ATTRIBUTES.cacheMisses, state.cacheMisses);
    root.setAttribute(REQUEST_ATTRIBUTES.slow, slow);
    root.setAttribute(REQUEST_ATTRIBUTES.nPlusOneCount, findings.length);
    root.setAttribute(REQUEST_ATTRIBUTES.nPlusOneFound, findings.length > 0);
    root.setAttribute(REQUEST_ATTRIBUTES.httpClientCallCount, state.httpCallCount);
    const loopStatements = loops.length === 0 ? undefined : new Set(loops.flatMap((loop) => loop.statements));
    const nPlusOne = findings.map((finding) => nPlusOneSample(finding, callSiteOf(finding), loopStatements?.has(finding) === true));
    const loopSamples = loops.map((loop) => loopSample(loop, callSiteOf(loop.statements[0]!)));
    findings.forEach((finding, i) => root.addEvent(FINDING_EVENTS.nPlusOne, findingEventAttributes(finding, nPlusOne[i]!.callSite)));
    loops.forEach((loop, i) => root.addEvent(FINDING_EVENTS.loop, loopEventAttributes(loop, loopSamples[i]!.callSite)));

    const summary: RequestSummary = {
      route: this.routes.ofSpan(root.attributes, root.name),
      method: methodOf(root.attributes),
      durationMs: requestDurationMs,
      queryCount: state.queryCount,
      dbDurationMs,
      slowQueryCount: state.slowQueryCount,
      cacheHits: state.cacheHits,
      cacheMisses: state.cacheMisses,
      slow,
      slowQueries: state.slowQueries,
      nPlusOne,
      loops: loopSamples,
      httpCallCount: state.httpCallCount,
      cacheLookups: [...state.cacheLookups].map(([namespace, lookups]) => ({
        namespace: namespace === '' ? undefined : namespace,
        ...lookups,
      })),
    };
    this.metrics.recordRequest(summary);
    for (const listener of this.listeners) {
      try {
        listener(summary);
      } catch (error) {
        warnOnce('processor.listener', 'a request statistics listener failed', error);
      }
    }
  }
}

/**
 * What the processor remembers about a span (which request it belongs to, …), stored on the span itself
 * under a symbol of this processor's own: a WeakMap entry per span cost a third of the processor's time
 * in ephemeron bookkeeping and GC. The entry goes away with the span.
 */
class SpanSlot<T> {
  private readonly key: symbol;

  constructor(description: string) {
    this.key = Symbol(description);
  }

  get(span: Span): T | undefined {
    return (span as unknown as Record<symbol, T | undefined>)[this.key];
  }

  set(span: Span, value: T): void {
    (span as unknown as Record<symbol, T | undefined>)[this.key] = value;
  }
}

function nPlusOneSample(finding: NPlusOneFinding, callSite: NPlusOneSample['callSite'], inLoop: boolean): NPlusOneSample {
  return {
    kind: finding.kind,
    fingerprint: finding.fingerprint,
    query: finding.query,
    summary: finding.summary,
    repeats: finding.repeats,
    durationMs: finding.durationMs,
    suggestion: finding.suggestion,
    callSite,
    inLoop,
  };
}

function loopSample(loop: NPlusOneLoop<NPlusOneFinding>, callSite: NPlusOneLoopSample['callSite']): NPlusOneLoopSample {
  return {
    iterations: loop.iterations,
    statements: loop.statements.map(({ kind, fingerprint, query }) => ({ kind, fingerprint, query })),
    durationMs: loop.durationMs,
    suggestion: loop.suggestion,
    callSite,
  };
}
