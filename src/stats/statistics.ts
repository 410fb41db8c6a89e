/**
 * The JSON served at `GET /stats` and read by `spanlens report`. Durations are in milliseconds, rounded
 * to the microsecond; rates are fractions in [0, 1], or null when there was nothing to divide by.
 * Fields marked optional are always served; snapshots saved by spanlens 0.1 lack them.
 */
export interface Statistics {
  service: string;
  /** ISO time at which the store began counting. */
  since: string;
  requests: number;
  /** Sorted by total time spent (requests × avgMs), descending. */
  endpoints: EndpointStatistics[];
  cache: CacheStatistics;
  slowQueries: SlowQueryStatistics[];
  nPlusOne: NPlusOneStatistics[];
  /** Loops (MN+1) made of `nPlusOne` findings, by occurrences; their statements stay listed in `nPlusOne`. */
  loops?: LoopStatistics[];
  /** Only on a `node:cluster` primary serving its workers' totals: where they come from. */
  workers?: WorkersStatistics;
}

/** The workers behind a cluster primary's `/stats` (and the comment atop its `/metrics`). */
export interface WorkersStatistics {
  /** Live workers running spanlens, each asked for its totals. */
  live: number;
  /** Live workers that answered within the timeout. */
  answered: number;
  /** Live workers that did not; their last answer, if they ever gave one, stands in (`stale`). */
  missing: MissingWorker[];
  /** Workers that have exited: their last answered totals stay counted, so totals never go down. */
  exited: number;
}

export interface MissingWorker {
  pid: number;
  /** `timeout`: no answer in time; `unreachable`: its IPC channel is closed; `failed`: it answered with an error. */
  reason: 'timeout' | 'unreachable' | 'failed';
  /** Whether its last answer was used instead. */
  stale: boolean;
}

export interface EndpointStatistics {
  /** HTTP method; null for a root span that is not an HTTP request; `*` on the overflow endpoint. */
  method: string | null;
  route: string;
  requests: number;
  avgMs: number;
  minMs: number;
  maxMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Requests at or above the slow-request threshold. */
  slow: number;
  dbQueriesAvg: number;
  dbQueriesMax: number;
  cacheHitRate: number | null;
  /** Requests of this endpoint with at least one N+1 finding. */
  nPlusOne: number;
  /** Outgoing HTTP calls (`http.request`, `fetch`) per request. */
  httpCallsAvg?: number;
}

export interface CacheStatistics {
  hits: number;
  misses: number;
  hitRate: number | null;
  namespaces: NamespaceCacheStatistics[];
}

export interface NamespaceCacheStatistics {
  /** The keyv namespace; null when the store has none. */
  namespace: string | null;
  hits: number;
  misses: number;
  hitRate: number | null;
}

export interface SlowQueryStatistics {
  fingerprint: string;
  /** Normalized text, never literal values. */
  query: string;
  count: number;
  avgMs: number;
  maxMs: number;
}

/** What an N+1 repeats: a database statement, a cache operation or an outgoing HTTP call. */
export type NPlusOneKind = 'db' | 'cache' | 'http';

/** The app code that issued a finding's repeated operation: the first frame outside Node, node_modules and spanlens. */
export interface CallSiteStatistics {
  /** Relative to the app's working directory. */
  file: string;
  line: number;
  function: string;
}

export interface NPlusOneStatistics {
  route: string;
  kind?: NPlusOneKind;
  fingerprint: string;
  /** Normalized text (or `keyv.get user:{id}`, or `GET host/users/{id}`), never literal values. */
  query: string;
  /** The largest number of repeats seen in one request. */
  repeats: number;
  /** Requests in which it was found. */
  occurrences: number;
  /** Of those, requests in which it was a statement of a loop (listed in `loops`). */
  inLoops?: number;
  suggestion: string;
  /** The latest call site seen; null when no app frame was visible. */
  callSite?: CallSiteStatistics | null;
}

/** One loop of the app that runs the same statements for each item (MN+1). */
export interface LoopStatistics {
  route: string;
  /** The largest number of items seen in one request. */
  iterations: number;
  /** The loop body's statements, in the order each iteration runs them. */
  statements: Array<{ fingerprint: string; query: string }>;
  /** Where the app issued the first statement; null when no app frame was visible. */
  callSite: CallSiteStatistics | null;
  suggestion: string;
  /** Requests in which it was found. */
  occurrences: number;
}

/** The key of an endpoint, in the store and when comparing snapshots. */
export function endpointKey(method: string | null, route: string): string {
  return `${method ?? ''} ${route}`;
}
