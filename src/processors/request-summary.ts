import type { CallSite } from '../call-sites/call-site.js';
import type { DetectionSpanKind } from '../detection/detection-span.js';

/** A slow statement of one request, by shape: never its literal values. */
export interface SlowQuerySample {
  fingerprint: string;
  /** Normalized text, literals replaced by placeholders. */
  query: string;
  /** `db.query.summary` (`SELECT meetings`). */
  summary: string;
  durationMs: number;
}

/** An N+1 pattern found in one request. */
export interface NPlusOneSample {
  /** What repeats: a database statement, a cache operation or an outgoing HTTP call. */
  kind: DetectionSpanKind;
  fingerprint: string;
  query: string;
  /** `db.query.summary` of the repeated statement (or the cache operation and key pattern, or the HTTP call). */
  summary: string;
  repeats: number;
  durationMs: number;
  suggestion: string;
  /** The app code that issued it; `null` when no app frame was visible. */
  callSite: CallSite | null;
  /** Whether it is a statement of one of the request's loops. */
  inLoop: boolean;
}

/** A loop found in one request (MN+1): the same statements, in order, for each of its items. */
export interface NPlusOneLoopSample {
  iterations: number;
  statements: Array<{ kind: DetectionSpanKind; fingerprint: string; query: string }>;
  durationMs: number;
  suggestion: string;
  /** Where the app issued the loop's first statement; `null` when no app frame was visible. */
  callSite: CallSite | null;
}

/** Cache lookups of one request in one keyv namespace. */
export interface CacheLookupSample {
  namespace: string | undefined;
  hits: number;
  misses: number;
}

/** What one finished request amounted to; handed to listeners such as the `/stats` store. */
export interface RequestSummary {
  route: string;
  method: string | undefined;
  durationMs: number;
  queryCount: number;
  dbDurationMs: number;
  slowQueryCount: number;
  cacheHits: number;
  cacheMisses: number;
  slow: boolean;
  slowQueries: SlowQuerySample[];
  nPlusOne: NPlusOneSample[];
  /** Loops among the `nPlusOne` findings; each of their statements is also listed there. */
  loops: NPlusOneLoopSample[];
  /** Outgoing HTTP calls (`http.request`, `fetch`) the request made. */
  httpCallCount: number;
  cacheLookups: CacheLookupSample[];
}
