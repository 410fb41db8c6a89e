import type { SqlAnalysis } from '../sql/fingerprinter.js';
import type { StatementCategory } from '../sql/statement-class.js';
import { suggestCacheBatching } from '../sql/suggestion.js';
import { suggestHttpBatching } from './http-suggestion.js';

/** What an N+1 repeats: a database statement, a cache operation or an outgoing HTTP call. */
export type DetectionSpanKind = 'db' | 'cache' | 'http';

/** Identity and timing of a finished span, as the span processor knows them. */
export interface SpanTiming {
  spanId: string;
  /** `undefined` for a span without a (local) parent. */
  parentSpanId: string | undefined;
  /** The span's name; connection spans (`pg.connect`, `pg-pool.connect`) are never counted. */
  name?: string;
  startMs: number;
  endMs: number;
  /**
   * The order in which the processor saw the span start and end among all spans: exact where the
   * clock is not (span start times have millisecond resolution). Loops are told by it when present.
   */
  startOrder?: number;
  endOrder?: number;
}

/** One database, cache or outgoing HTTP span of a finished request, as N+1 detection reads it. */
export interface DetectionSpan extends SpanTiming {
  kind: DetectionSpanKind;
  /**
   * The statement's fingerprint; for a cache span, its operation and key pattern (`keyv.get user:{id}`);
   * for an HTTP call, its method and templated URL (`GET api.example.com/users/{id}`).
   */
  fingerprint: string;
  /** Normalized statement (or the cache operation and key pattern): never literal values. */
  normalized: string;
  summary: string;
  /** Transaction control and cursor reads never count; `undefined` is read from `normalized`. */
  category?: StatementCategory;
  /** How to batch it; a generic hint is used when absent. */
  suggestion?: string;
}

/** The record to keep when a database span ends, from its timing and its statement's analysis. */
export function databaseSpanRecord(timing: SpanTiming, analysis: SqlAnalysis): DetectionSpan {
  return {
    ...timingOf(timing),
    kind: 'db',
    fingerprint: analysis.fingerprint,
    normalized: analysis.normalized,
    summary: analysis.summary,
    category: analysis.category,
    suggestion: analysis.suggestion,
  };
}

/**
 * The record to keep when a cache span ends: repeats of one operation on one key pattern
 * (`user:{id}`, ids already replaced) under one parent are the cache's N+1.
 */
export function cacheSpanRecord(timing: SpanTiming, operation: string, keyPattern: string): DetectionSpan {
  const shape = cacheShape(operation, keyPattern);
  return {
    ...timingOf(timing),
    kind: 'cache',
    fingerprint: shape,
    normalized: shape,
    summary: shape,
    category: 'query',
    suggestion: suggestCacheBatching(operation, keyPattern),
  };
}

/**
 * The record to keep when an outgoing HTTP call ends: repeats of one method on one templated URL (host and
 * path, ids replaced, never the query string) under one parent are the HTTP N+1.
 */
export function httpSpanRecord(timing: SpanTiming, method: string, target: string): DetectionSpan {
  const shape = httpShape(method, target);
  return {
    ...timingOf(timing),
    kind: 'http',
    fingerprint: shape,
    normalized: shape,
    summary: shape,
    category: 'query',
    suggestion: suggestHttpBatching(method, target),
  };
}

/** The fingerprint of a cache operation's records: `keyv.get user:{id}`. */
export function cacheShape(operation: string, keyPattern: string): string {
  return `keyv.${operation} ${keyPattern}`;
}

/** The fingerprint of an outgoing HTTP call's records: `GET api.example.com/users/{id}`. */
export function httpShape(method: string, target: string): string {
  return `${method} ${target}`;
}

/** Only the timing fields, so a record never keeps more of the span than it needs. */
function timingOf({ spanId, parentSpanId, name, startMs, endMs, startOrder, endOrder }: SpanTiming): SpanTiming {
  return { spanId, parentSpanId, name, startMs, endMs, startOrder, endOrder };
}
