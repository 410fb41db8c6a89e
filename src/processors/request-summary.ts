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
  fingerprint: string;
  query: string;
  /** `db.query.summary` of the repeated statement (or the cache operation and key pattern). */
  summary: string;
  repeats: number;
  durationMs: number;
  suggestion: string;
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
  cacheLookups: CacheLookupSample[];
}
